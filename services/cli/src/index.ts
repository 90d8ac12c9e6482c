export { createProgram } from './program.js';
export { appendInBatches, readJsonlEvents, readLocomoFileEvents, type IngestSummary } from './commands/ingest.command.js';
export { resolveDataDir, openEventLog, type DataDirConfig } from './cli.config.js';
