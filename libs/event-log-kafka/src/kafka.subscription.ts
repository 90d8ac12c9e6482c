import type { BatchHandler, SubscribeOptions, Subscription } from '@memfabric/event-log';
import type { StoredEvent } from '@memfabric/events';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';

/** What a subscription needs from the log that owns it. */
export interface SubscriptionContext {
  readonly topic: string;
  /** A new (not connected) kafkajs consumer in `group`. */
  createConsumer(group: string): Consumer;
  /** Decodes and decrypts messages of one partition; messages that are not event records are left out. */
  decode(partition: number, messages: readonly KafkaMessage[]): Promise<StoredEvent[]>;
  /** Called once the subscription has closed, whatever the reason. */
  onClosed(subscription: Subscription): void;
}

const DEFAULT_MAX_BATCH = 500;

/**
 * Runs `handler` as member of Kafka consumer group `group` (kafkajs `eachBatch`, auto-commit
 * off). Each fetched partition batch is cut into handler calls of at most `maxBatch` events;
 * after a call resolves, its last offset + 1 is committed (OffsetCommit) before the next call.
 * A rejected handler call is not committed: `onError` runs, the consumer pauses and leaves the
 * group, and `closed` resolves; the next member of the group is delivered the same events again
 * (at-least-once). A group without a committed offset starts at the beginning of each partition.
 */
export function startKafkaSubscription(
  context: SubscriptionContext,
  group: string,
  handler: BatchHandler,
  options: SubscribeOptions = {},
): Subscription {
  const maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH);
  const consumer = context.createConsumer(group);
  let stopping = false;
  let failed = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let shutdown: Promise<void> | undefined;

  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topic: context.topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
  })();

  const shutdownOnce = (): Promise<void> =>
    (shutdown ??= started
      .catch(() => undefined)
      .then(() => consumer.disconnect())
      .catch(() => undefined)
      .finally(() => {
        resolveClosed();
        context.onClosed(subscription);
      }));

  const fail = (error: unknown): void => {
    if (failed || stopping) return;
    failed = true;
    try {
      options.onError?.(error);
    } finally {
      void shutdownOnce();
    }
  };

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    for (let i = 0; i < batch.messages.length; i += maxBatch) {
      if (failed || stopping || !payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(i, i + maxBatch);
      try {
        const events = await context.decode(batch.partition, chunk);
        if (events.length > 0) await handler(events);
      } catch (error) {
        payload.pause();
        fail(error);
        return;
      }
      const last = chunk[chunk.length - 1]!.offset;
      payload.resolveOffset(last);
      await payload.commitOffsetsIfNecessary({
        topics: [{ topic: context.topic, partitions: [{ partition: batch.partition, offset: String(Number(last) + 1) }] }],
      });
      await payload.heartbeat();
    }
  }

  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) fail(event.payload.error);
  });
  started.catch((error: unknown) => fail(error));

  const subscription: Subscription = {
    stop: async () => {
      stopping = true;
      await shutdownOnce();
    },
    closed,
  };
  return subscription;
}
