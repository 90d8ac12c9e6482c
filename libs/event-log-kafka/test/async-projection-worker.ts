/**
 * Child process of the Kafka crash test: runs the external-store runtime over the Kafka log
 * (librdkafka's mock cluster) into a JSON-lines test store until caught up, printing
 * `applied <n> <events>` when the store acknowledged each batch, then `done`.
 * With MEMFABRIC_TEST_CRASH_AFTER_BATCHES=N it kills itself (SIGKILL) after the store
 * acknowledged the N-th batch and before the consumer group commits it.
 * Usage: async-projection-worker <brokers,comma-separated> <topic> <keys file> <store file> <batch size>
 */
import { AesGcmContentCipher } from '@memfabric/crypto';
import { runCrashingProjection } from '@memfabric/projections/testing';
import { KafkaEventLog } from '../src/index.js';
import { FileKeyVault } from './file-keys.js';

const [brokers, topic, keysFile, storeFile, size] = process.argv.slice(2);
if (!brokers || !topic || !keysFile || !storeFile || !size) {
  throw new Error('usage: async-projection-worker <brokers> <topic> <keys file> <store file> <batch size>');
}
const log = await KafkaEventLog.connect({
  brokers: brokers.split(','),
  topic,
  clientId: 'memfabric-crash-test',
  createTopic: false,
  vault: new FileKeyVault(keysFile),
  cipher: new AesGcmContentCipher(),
  // librdkafka's mock cluster: see kafka.event-log.int.spec.ts
  idempotentProducer: false,
  sessionTimeoutMs: 3_000,
  heartbeatIntervalMs: 500,
  fetchMaxWaitMs: 50,
  catchUpTimeoutMs: 15_000,
  logLevel: 'nothing',
});
await runCrashingProjection(log, { storeFile, batchSize: Number(size), pollIntervalMs: 20 });
