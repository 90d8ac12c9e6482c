/**
 * Child process of the crash test: appends batches of ~1 KiB events forever and prints
 * `ack <batch> <lastOffset>` on stdout after each append is acknowledged (committed).
 * Usage: crash-writer <db file> <master key base64> <batch size>
 */
import { normalizeEvent } from '@memfabric/events';
import { parseMasterKey, SqliteEventLog } from '../src/index.js';

const [file, key, size] = process.argv.slice(2);
if (!file || !key || !size) throw new Error('usage: crash-writer <db file> <master key base64> <batch size>');
const log = SqliteEventLog.open({ path: file, masterKey: parseMasterKey(key, 'argv') });
const batchSize = Number(size);
const filler = 'x'.repeat(900);

for (let batch = 0; ; batch += 1) {
  const events = Array.from({ length: batchSize }, (_, i) =>
    normalizeEvent({
      source: 'urn:memfabric:test:crash',
      type: 'interaction.recorded',
      time: new Date().toISOString(),
      tenantid: 'crash',
      streamid: `s${(batch * batchSize + i) % 7}`,
      actor: `speaker-${i % 3}`,
      idempotencykey: `crash:${batch}:${i}`,
      data: { kind: 'message', role: 'user', content: `batch ${batch} event ${i} ${filler}` },
    }),
  );
  const results = await log.append(events);
  process.stdout.write(`ack ${batch} ${results[results.length - 1]!.offset}\n`);
}
