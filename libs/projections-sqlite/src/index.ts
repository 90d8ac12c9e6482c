export * from './sqlite.projection-runtime.js';
export * from './sqlite.dead-letter-store.js';
export { activeGenerationOf } from './generation-registry.js';
export { RUNTIME_DDL } from './schema.js';
export { memoryUnitsProjection, MEMORY_UNITS_VERSION } from './memory-units/memory-units.projection.js';
export { memoryUnitsTable, memoryUnitsDdl } from './memory-units/memory-units.table.js';
export * from './memory-units/sqlite.memory-unit-store.js';
export { SqliteUnitDecisions } from './memory-units/sqlite.unit-decisions.js';
export { memoryUnitDecisionsTable } from './memory-units/memory-units.table.js';
