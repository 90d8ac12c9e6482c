/**
 * Runs the ingest service alone: `npm start -w @memfabric/ingest` (tsx), or
 * `node services/ingest/dist/main.js` after a build. Configuration comes from the environment
 * (see `loadIngestConfig`); SIGINT/SIGTERM stop it gracefully. With `MEMFABRIC_KAFKA_BROKERS`
 * set it appends to Kafka (`startClusterIngest`), else to the SQLite log in `MEMFABRIC_DATA_DIR`.
 */
import 'reflect-metadata';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { MemfabricError } from '@memfabric/errors';
import { startTelemetry } from '@memfabric/telemetry-node';
import type { IngestEnv } from './ingest.config.js';
import { startIngest, type RunningIngest } from './ingest.server.js';
import { serviceMain } from './service-main.js';

/**
 * Starts the service and stops it on SIGINT/SIGTERM. On a start-up failure it sets the exit
 * code to 1 and logs `fatal`: one line per configuration problem (every invalid variable of
 * every module at once), else one line with the error.
 * @param env - environment variables; `process.env` when called as the entry point.
 * @returns the running service, or `undefined` when it could not start.
 */
export async function main(env: IngestEnv): Promise<RunningIngest | undefined> {
  let running: RunningIngest;
  const telemetry = await startTelemetry({ serviceName: 'ingest', env });
  try {
    running = await startIngest(env);
  } catch (error) {
    const startup = pino({ base: { service: 'ingest' } });
    const problems = MemfabricError.is(error) && Array.isArray(error.context['problems']) ? error.context['problems'].map(String) : [];
    if (MemfabricError.is(error) && problems.length > 0) for (const problem of problems) startup.fatal({ code: error.code }, `invalid configuration: ${problem}`);
    else if (MemfabricError.is(error)) startup.fatal({ code: error.code }, error.message);
    else startup.fatal({ err: error }, 'ingest service failed to start');
    process.exitCode = 1;
    await telemetry.shutdown();
    return undefined;
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running
      .close()
      .catch((error: unknown) => {
        pino({ base: { service: 'ingest' } }).error({ err: error }, 'ingest service did not stop cleanly');
        process.exitCode = 1;
      })
      .finally(() => telemetry.shutdown());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return running;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const brokers = process.env['MEMFABRIC_KAFKA_BROKERS'];
  if (brokers !== undefined && brokers.trim() !== '') {
    // in the cluster: append to Kafka (loaded only here, so the embedded path never imports the Kafka client)
    const { startClusterIngest } = await import('./cluster-ingest.server.js');
    await serviceMain('ingest', () => startClusterIngest(process.env));
  } else {
    await main(process.env);
  }
}
