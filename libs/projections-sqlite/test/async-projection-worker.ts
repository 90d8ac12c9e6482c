/**
 * Child process of the external-store crash test: runs the external-store runtime over an
 * existing SQLite log into a JSON-lines test store until caught up, printing
 * `applied <n> <events>` when the store acknowledged each batch, then `done`.
 * With MEMFABRIC_TEST_CRASH_AFTER_BATCHES=N it kills itself (SIGKILL) after the store
 * acknowledged the N-th batch and before the consumer group commits it.
 * Usage: async-projection-worker <db file> <master key base64> <store file> <batch size>
 */
import { parseMasterKey, SqliteEventLog } from '@memfabric/event-log-sqlite';
import { runCrashingProjection } from '@memfabric/projections/testing';

const [file, key, storeFile, size] = process.argv.slice(2);
if (!file || !key || !storeFile || !size) throw new Error('usage: async-projection-worker <db file> <master key base64> <store file> <batch size>');
const log = SqliteEventLog.open({ path: file, masterKey: parseMasterKey(key, 'argv') });
await runCrashingProjection(log, { storeFile, batchSize: Number(size), pollIntervalMs: 5 });
