/**
 * `npm start`: the whole embedded fabric in one Node process, data under `./data` (or
 * `MEMFABRIC_DATA_DIR`). Stops gracefully on SIGINT/SIGTERM.
 */
import { MemfabricError } from '@memfabric/errors';
import { startTelemetry } from '@memfabric/telemetry-node';
import { startFabric } from './fabric.js';

// the OpenTelemetry SDK only when OTEL_* asks for traces; /metrics always
const telemetry = await startTelemetry({ serviceName: 'memfabric' });
try {
  const fabric = await startFabric(process.env);
  process.stdout.write(`memfabric is running: ${fabric.url} (OpenAPI at ${fabric.url}/openapi.json, browsable at ${fabric.url}/docs)\n`);
  const stop = () => {
    void fabric
      .close()
      .catch((error: unknown) => {
        process.stderr.write(`memfabric: did not stop cleanly: ${String(error)}\n`);
        process.exitCode = 1;
      })
      .finally(() => telemetry.shutdown());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`memfabric: ${MemfabricError.is(error) || error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
  await telemetry.shutdown();
}
