/**
 * Dependency-injection tokens of the ingest service. Every constructor parameter is injected
 * with an explicit `@Inject(TOKEN)`, so the service also runs where no decorator metadata is
 * emitted (tsx/esbuild).
 */

/** The {@link EventLog} the service appends to and reads from (embedded SQLite, Kafka, ...). */
export const EVENT_LOG = Symbol.for('memfabric.ingest.event-log');

/** The validated {@link IngestConfig}. */
export const INGEST_CONFIG = Symbol.for('memfabric.ingest.config');

/** The pino logger every component of the service writes to. */
export const INGEST_LOGGER = Symbol.for('memfabric.ingest.logger');
