/**
 * Child process of the projection crash test: runs the memory-unit and counting projections
 * over an existing log and prints `committed <processed>` after every committed batch, until
 * it is killed. Usage: projection-worker <db file> <master key base64> <batch size>
 */
import { parseMasterKey, SqliteEventLog } from '@memfabric/event-log-sqlite';
import { memoryUnitsProjection, SqliteProjectionRuntime } from '../src/index.js';
import { countingProjection } from './helpers.js';

const [file, key, size] = process.argv.slice(2);
if (!file || !key || !size) throw new Error('usage: projection-worker <db file> <master key base64> <batch size>');
const log = SqliteEventLog.open({ path: file, masterKey: parseMasterKey(key, 'argv') });
const runtime = SqliteProjectionRuntime.open({ log, db: log.db, handlers: [countingProjection(), memoryUnitsProjection()], batchSize: Number(size) });
await runtime.runUntilCaughtUp((p) => process.stdout.write(`committed ${p.projection} ${p.processed}\n`));
process.stdout.write('done\n');
