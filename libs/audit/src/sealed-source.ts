import { ConfigurationError } from '@memfabric/errors';
import type { EventLog } from '@memfabric/event-log';
import type { ChainLink, StreamHead } from './checkpoint/checkpoint.js';
import type { PositionedSealedEvent, SealedEventSource, TenantHeads } from './ports.js';

/** Options of {@link LogSealedEventSource}. */
export interface LogSealedEventSourceOptions {
  /**
   * The partition that holds a tenant's events (the audited fabric's `tenantPartition`). Default:
   * the partition of the tenant's stream heads, 0 for a tenant without events.
   */
  readonly tenantPartition?: (tenantid: string) => Promise<number>;
}

/**
 * {@link SealedEventSource} over the event log port (`readSealed`, `streamHeads`,
 * `readSealedStream`): the records exactly as the log adapter stores them, with no SQL or
 * broker client here.
 *
 * Signed checkpoints and export bundles name a position as one offset (`TenantHeads.position`,
 * `fromOffset`/`toOffset`): an offset of the partition that holds the tenant's events. That
 * needs a log that keeps each tenant in one partition (the embedded log has one partition; on
 * Kafka the partition key must be the tenant). A tenant whose streams the source finds in
 * several partitions, or elsewhere than `tenantPartition` says, is refused rather than answered
 * with a partial view.
 */
export class LogSealedEventSource implements SealedEventSource {
  constructor(
    private readonly log: Pick<EventLog, 'readSealed' | 'readSealedStream' | 'streamHeads'>,
    private readonly options: LogSealedEventSourceOptions = {},
  ) {}

  /**
   * The tenant's sealed events in offset order, `fromOffset` to `toOffset` inclusive, read from
   * the tenant's partition only.
   * @throws ConfigurationError when the tenant's events are in several partitions (without `tenantPartition`).
   */
  async readSealed(tenantid: string, options: { readonly fromOffset?: number; readonly toOffset?: number; readonly limit?: number } = {}): Promise<PositionedSealedEvent[]> {
    const partition = await this.partitionOf(tenantid);
    const page = await this.log.readSealed({
      tenantid,
      from: { [partition]: options.fromOffset ?? 0 },
      // a partition absent from `to` is not read at all: only the tenant's partition is
      to: { [partition]: options.toOffset === undefined ? Number.MAX_SAFE_INTEGER : options.toOffset + 1 },
      limit: options.limit ?? 1000,
    });
    return [...page.events];
  }

  /**
   * Chain heads grouped by tenant (one snapshot of the log); `position` is the offset of the
   * tenant's last event in its partition.
   * @throws ConfigurationError when a tenant's streams are in several partitions, or in another
   *   than `tenantPartition` names.
   */
  async heads(tenantid?: string): Promise<TenantHeads[]> {
    const byTenant = new Map<string, { partition: number; position: number; heads: StreamHead[] }>();
    for (const head of await this.log.streamHeads(tenantid)) {
      const entry = byTenant.get(head.tenantid) ?? { partition: head.partition, position: -1, heads: [] };
      if (head.partition !== entry.partition) throw spread(head.tenantid, [entry.partition, head.partition]);
      entry.heads.push({ streamid: head.streamid, streamposition: head.streamposition, id: head.id, hash: head.hash });
      entry.position = Math.max(entry.position, head.offset);
      byTenant.set(head.tenantid, entry);
    }
    const out: TenantHeads[] = [];
    for (const [t, e] of byTenant) {
      if (this.options.tenantPartition) {
        const expected = await this.options.tenantPartition(t);
        if (expected !== e.partition) {
          throw new ConfigurationError(
            `tenant ${t}: its events are in partition ${e.partition} of the log, but the fabric places the tenant in partition ${expected}; the log's partitioner and tenantPartition must agree (partition key = tenant)`,
          );
        }
      }
      out.push({ tenantid: t, partition: e.partition, position: e.position, heads: e.heads });
    }
    return out;
  }

  /** The stored id and hash at a stream position (any number of partitions: a stream lives in one). */
  async link(tenantid: string, streamid: string, streamposition: number): Promise<ChainLink | undefined> {
    const [event] = await this.log.readSealedStream(tenantid, streamid, { fromStreamPosition: streamposition, limit: 1 });
    return event && event.record.streamposition === streamposition ? { id: event.record.id, hash: event.hash } : undefined;
  }

  private async partitionOf(tenantid: string): Promise<number> {
    if (this.options.tenantPartition) return this.options.tenantPartition(tenantid);
    const partitions = [...new Set((await this.log.streamHeads(tenantid)).map((h) => h.partition))];
    if (partitions.length > 1) throw spread(tenantid, partitions);
    return partitions[0] ?? 0;
  }
}

function spread(tenantid: string, partitions: readonly number[]): ConfigurationError {
  return new ConfigurationError(
    `tenant ${tenantid} has events in partitions ${[...new Set(partitions)].sort((a, b) => a - b).join(' and ')}: audit checkpoints and exports name positions as offsets of the tenant's one partition; partition the log by tenant`,
  );
}
