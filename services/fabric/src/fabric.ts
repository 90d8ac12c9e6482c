import 'reflect-metadata';
import { startIngest, type IngestEnv, type RunningIngest, type StartIngestOptions } from '@memfabric/ingest';

/** The embedded fabric running in one process. */
export interface RunningFabric {
  /** The ingest API (and, through it, the embedded event log). */
  readonly ingest: RunningIngest;
  /** Base URL of the HTTP API. */
  readonly url: string;
  /** Stops every service and closes the log. */
  close(): Promise<void>;
}

/**
 * Starts every memfabric service of the embedded stack in this process, on the data directory
 * named by `MEMFABRIC_DATA_DIR` (default `./data`). Today that is the ingest API over the
 * SQLite event log; projections and the query gateway join it as they land.
 *
 * @param env - environment variables (see `loadIngestConfig` for the names and defaults).
 * @throws ConfigurationError when the configuration is invalid.
 */
export async function startFabric(env: IngestEnv, options: StartIngestOptions = {}): Promise<RunningFabric> {
  const ingest = await startIngest(env, options);
  return { ingest, url: ingest.url, close: () => ingest.close() };
}
