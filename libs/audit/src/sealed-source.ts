import { ConfigurationError } from '@memfabric/errors';
import type { EventLog } from '@memfabric/event-log';
import type { ChainLink, StreamHead } from './checkpoint/checkpoint.js';
import type { PositionedSealedEvent, SealedEventSource, TenantHeads } from './ports.js';

/** The partition audit positions refer to. */
const PARTITION = 0;

/**
 * {@link SealedEventSource} over the event log port (`readSealed`, `streamHeads`,
 * `readSealedStream`): the records exactly as the log adapter stores them, with no SQL or
 * broker client here.
 *
 * Signed checkpoints and export bundles name a position as one offset (`TenantHeads.position`,
 * `fromOffset`/`toOffset`), which is only meaningful on a one-partition log such as the embedded
 * one. On a log with more partitions the source refuses to answer rather than return a
 * partial view.
 */
export class LogSealedEventSource implements SealedEventSource {
  private onePartitionSeen = false;

  constructor(private readonly log: Pick<EventLog, 'end' | 'readSealed' | 'readSealedStream' | 'streamHeads'>) {}

  /**
   * The tenant's sealed events in offset order, `fromOffset` to `toOffset` inclusive.
   * @throws ConfigurationError on a log with more than one partition.
   */
  async readSealed(tenantid: string, options: { readonly fromOffset?: number; readonly toOffset?: number; readonly limit?: number } = {}): Promise<PositionedSealedEvent[]> {
    await this.onePartition();
    const page = await this.log.readSealed({
      tenantid,
      from: { [PARTITION]: options.fromOffset ?? 0 },
      ...(options.toOffset === undefined ? {} : { to: { [PARTITION]: options.toOffset + 1 } }),
      limit: options.limit ?? 1000,
    });
    return [...page.events];
  }

  /**
   * Chain heads grouped by tenant (one snapshot of the log); `position` is the offset of the
   * tenant's last event.
   * @throws ConfigurationError on a log with more than one partition.
   */
  async heads(tenantid?: string): Promise<TenantHeads[]> {
    await this.onePartition();
    const byTenant = new Map<string, { position: number; heads: StreamHead[] }>();
    for (const head of await this.log.streamHeads(tenantid)) {
      const entry = byTenant.get(head.tenantid) ?? { position: -1, heads: [] };
      entry.heads.push({ streamid: head.streamid, streamposition: head.streamposition, id: head.id, hash: head.hash });
      entry.position = Math.max(entry.position, head.offset);
      byTenant.set(head.tenantid, entry);
    }
    return [...byTenant].map(([t, e]) => ({ tenantid: t, position: e.position, heads: e.heads }));
  }

  /** The stored id and hash at a stream position (any number of partitions: a stream lives in one). */
  async link(tenantid: string, streamid: string, streamposition: number): Promise<ChainLink | undefined> {
    const [event] = await this.log.readSealedStream(tenantid, streamid, { fromStreamPosition: streamposition, limit: 1 });
    return event && event.record.streamposition === streamposition ? { id: event.record.id, hash: event.hash } : undefined;
  }

  private async onePartition(): Promise<void> {
    if (this.onePartitionSeen) return;
    const partitions = Object.keys(await this.log.end()).map(Number).filter((p) => p !== PARTITION);
    if (partitions.length > 0) {
      throw new ConfigurationError(
        `audit checkpoints and exports name positions as offsets of partition ${PARTITION}, but this log has ${partitions.length + 1} partitions; use a one-partition log`,
      );
    }
    this.onePartitionSeen = true;
  }
}
