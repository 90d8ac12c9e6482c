/**
 * The memory-unit read model, the one home of the unit lifecycle: the rules
 * (`memoryUnitChanges`, in `@memfabric/projections`), the embedded projection and store
 * (`@memfabric/projections-sqlite`), the decisions every other read model consumes
 * (`UnitDecisionSource`), and the recall channels it serves (context, recency).
 */
export {
  memoryUnitChanges,
  MEMORY_UNITS_PROJECTION,
  InMemoryMemoryUnits,
  InMemoryUnitDecisions,
  type MemoryUnitStore,
  type UnitDecision,
  type UnitDecisionSource,
  type UnitTransition,
} from '@memfabric/projections';
export { memoryUnitsProjection, SqliteMemoryUnitStore, SqliteUnitDecisions } from '@memfabric/projections-sqlite';
export { contextChannel, recencyChannel } from '@memfabric/recall';
