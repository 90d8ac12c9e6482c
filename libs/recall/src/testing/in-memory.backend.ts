import type { QueryLogRow } from '@memfabric/analytics';
import { HashEmbedder, type Embedder } from '@memfabric/embeddings';
import type { Checkpoint } from '@memfabric/event-log';
import { GENESIS_HASH, newEventId, normalizeEvent, type InteractionRecorded, type NewEvent, type StoredEvent } from '@memfabric/events';
import type { Extractor } from '@memfabric/extraction';
import { extractionFromEvent, InMemoryGraphStore } from '@memfabric/graph-store';
import { InMemoryMemoryUnits, MEMORY_UNITS_PROJECTION, type MemoryUnit } from '@memfabric/projections';
import { ExactVectorIndex, InMemoryLexicalIndex, unitKey, type UnitPayload, type UnitStatus } from '@memfabric/vector-index';
import type { GraphReader, ReadModelProgress, RecallBackend } from '../backend.js';
import { READ_MODELS } from '../channels/read-models.js';

/** Projection names of the in-memory backend, as the consistency report lists them. */
export const IN_MEMORY_PROJECTIONS = {
  memoryUnits: MEMORY_UNITS_PROJECTION,
  vectors: READ_MODELS.vectors,
  graph: READ_MODELS.graph,
} as const;

/** Options of {@link InMemoryRecallBackend}. */
export interface InMemoryRecallBackendOptions {
  /** Embedder of the dense and temporal channels; default `new HashEmbedder({ dimensions: 64 })`. */
  readonly embedder?: Embedder;
  /**
   * When given, every appended `interaction.recorded` event is followed in the log by the
   * `facts.extracted` event this extractor produces for it (what the embedded extraction
   * processor appends), so the graph channel has entities without hand-written facts.
   */
  readonly extractor?: Extractor;
  /**
   * Transaction time of the event at log offset `offset`; default 2024-01-01T00:00:00Z plus
   * `offset` seconds, so `asOf: { time }` maps to positions predictably.
   */
  readonly clock?: (offset: number) => Date;
}

/**
 * A complete {@link RecallBackend} in process memory, for unit tests of the recall engine and
 * of its callers: a one-partition log (events stamped with offsets, stream positions and
 * transaction times), the memory-unit view folded by `InMemoryMemoryUnits`, dense and lexical
 * indexes (`ExactVectorIndex`, `InMemoryLexicalIndex`) kept in step with the units' statuses
 * exactly as the embedded vector projection keeps them (erased units deleted), the temporal
 * graph (`InMemoryGraphStore`) fed by `facts.extracted` events, and the query log as an array.
 *
 * Every projection applies each appended event at once; {@link InMemoryRecallBackend.tokenFor}
 * and a token past the log's end let tests exercise the consistency wait. Not for production
 * volumes: status changes rescan every unit.
 */
export class InMemoryRecallBackend implements RecallBackend {
  readonly embedder: Embedder;
  /** The memory-unit read model (folded in memory). */
  readonly units: InMemoryMemoryUnits = new InMemoryMemoryUnits();
  /** The dense index; one point per active, superseded, retracted or rolled-back unit with text. */
  readonly vectorIndex: ExactVectorIndex;
  /** The BM25 index (same documents as {@link vectors}). */
  readonly lexicalIndex: InMemoryLexicalIndex = new InMemoryLexicalIndex();
  /** The temporal knowledge graph. */
  readonly graphStore: InMemoryGraphStore = new InMemoryGraphStore();
  /** Every row {@link logQuery} received, in order. */
  readonly queries: QueryLogRow[] = [];
  private readonly log: StoredEvent[] = [];
  private readonly streamPositions = new Map<string, number>();
  /** Status each indexed unit has in the dense and lexical indexes. */
  private readonly indexed = new Map<string, { tenant: string; status: UnitStatus }>();
  private readonly extractor: Extractor | undefined;
  private readonly clock: (offset: number) => Date;
  private graphEnabled = true;

  constructor(options: InMemoryRecallBackendOptions = {}) {
    this.embedder = options.embedder ?? new HashEmbedder({ dimensions: 64 });
    this.vectorIndex = new ExactVectorIndex({ model: { id: this.embedder.modelId, dimension: this.embedder.dimensions } });
    this.extractor = options.extractor;
    this.clock = options.clock ?? ((offset) => new Date(Date.UTC(2024, 0, 1) + offset * 1000));
  }

  /** Every event appended so far, in log order. */
  get events(): readonly StoredEvent[] {
    return this.log;
  }

  /** The next offset of the log (= the checkpoint every projection has reached). */
  get nextOffset(): number {
    return this.log.length;
  }

  /**
   * Appends events to the log (stamping offsets, stream positions and transaction times) and
   * applies them to every projection before resolving. With an extractor, each interaction is
   * followed by its `facts.extracted` event.
   * @returns the stored events, in log order (extracted facts included).
   * @throws ValidationError when an index refuses a point (for example a blank text).
   */
  async append(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    for (const event of events) {
      const source = this.stamp(event);
      stored.push(source);
      await this.apply(source);
      if (this.extractor && source.type === 'interaction.recorded' && source.data !== null) {
        const facts = await this.extract(source, this.extractor);
        stored.push(facts);
        await this.apply(facts);
      }
    }
    return stored;
  }

  /**
   * The checkpoint (partition 0 → next offset) a reader must reach to see `event`: what the
   * ingest API's consistency token carries after appending it.
   */
  checkpointFor(event: Pick<StoredEvent, 'offset'>): Checkpoint {
    return { 0: event.offset + 1 };
  }

  /** Makes {@link graph} answer `undefined` (a graph projection without an active generation) or the store again. */
  setGraphAvailable(available: boolean): void {
    this.graphEnabled = available;
  }

  vectors(): ExactVectorIndex {
    return this.vectorIndex;
  }

  lexical(): InMemoryLexicalIndex {
    return this.lexicalIndex;
  }

  graph(): GraphReader | undefined {
    return this.graphEnabled ? this.graphStore : undefined;
  }

  positionAt(timeMs: number): Promise<number | undefined> {
    let position: number | undefined;
    for (const event of this.log) if (Date.parse(event.recordedat) <= timeMs) position = event.offset;
    return Promise.resolve(position);
  }

  /** Every projection applies each event on append: all have reached a checkpoint within the log. */
  readonly progress: ReadModelProgress = {
    names: Object.values(IN_MEMORY_PROJECTIONS),
    reached: (_projection: string, checkpoint: Checkpoint) =>
      Promise.resolve(Object.entries(checkpoint).every(([partition, next]) => (partition === '0' ? this.log.length >= next : next === 0))),
  };

  logQuery(row: QueryLogRow): void {
    this.queries.push(row);
  }

  private stamp(event: NewEvent): StoredEvent {
    const offset = this.log.length;
    const key = `${event.tenantid}\u0000${event.streamid}`;
    const streamposition = (this.streamPositions.get(key) ?? 0) + 1;
    this.streamPositions.set(key, streamposition);
    const stored: StoredEvent = {
      ...event,
      batchid: event.batchid ?? newEventId(),
      recordedat: this.clock(offset).toISOString(),
      partition: 0,
      offset,
      streamposition,
      prevhash: GENESIS_HASH,
      hash: GENESIS_HASH,
    };
    this.log.push(stored);
    return stored;
  }

  private async extract(source: StoredEvent, extractor: Extractor): Promise<StoredEvent> {
    const data = source.data as unknown as InteractionRecorded;
    const speaker = data.speaker ?? source.actor;
    const facts = await extractor.extract({ eventId: source.id, text: data.content, time: source.time, speaker, knownEntities: [speaker] });
    return this.stamp(
      normalizeEvent({
        source: `urn:memfabric:extractor:${extractor.name}`,
        type: 'facts.extracted',
        subject: source.id,
        time: source.time,
        tenantid: source.tenantid,
        streamid: source.streamid,
        actor: `memfabric:extractor:${extractor.name}`,
        datasubject: source.datasubject,
        causationid: source.id,
        data: facts as unknown as Record<string, unknown>,
      }),
    );
  }

  /** Applies one stored event to the memory units, then the indexes, then the graph. */
  private async apply(event: StoredEvent): Promise<void> {
    this.units.apply(event);
    await this.syncIndexes();
    const extraction = extractionFromEvent(event);
    if (extraction) await this.graphStore.applyExtractions([extraction]);
  }

  /**
   * Brings the dense and lexical indexes in line with the memory units: new units with text are
   * embedded and inserted, changed statuses are set, erased units are deleted (erasure purges
   * derived data).
   */
  private async syncIndexes(): Promise<void> {
    const units = this.units.all();
    const fresh = units.filter((u) => !this.indexed.has(u.id) && u.status === 'active' && u.text !== null && u.text.trim() !== '');
    if (fresh.length > 0) {
      const payloads = fresh.map(payloadOf);
      const vectors = await this.embedder.embed(payloads.map((p) => p.text));
      await this.vectorIndex.upsert(payloads.map((p, i) => ({ ...p, vector: vectors[i]!, modelId: this.embedder.modelId })));
      await this.lexicalIndex.upsert(payloads);
      for (const u of fresh) this.indexed.set(u.id, { tenant: u.tenantid, status: 'active' });
    }
    for (const unit of units) {
      const known = this.indexed.get(unit.id);
      if (!known || known.status === unit.status) continue;
      if (unit.status === 'erased') {
        await this.vectorIndex.delete(known.tenant, [unit.id]);
        await this.lexicalIndex.delete(known.tenant, [unit.id]);
      } else {
        await this.vectorIndex.setStatus(known.tenant, [unit.id], unit.status);
        await this.lexicalIndex.setStatus(known.tenant, [unit.id], unit.status);
      }
      this.indexed.set(unit.id, { tenant: known.tenant, status: unit.status });
    }
  }
}

/**
 * The index payload of a unit (world time = start of validity, else the event's time), keyed by
 * speaker with the vector projection's own `unitKey` (`"Caroline: I went to a support group"`).
 */
function payloadOf(unit: MemoryUnit): UnitPayload {
  return {
    id: unit.id,
    tenant: unit.tenantid,
    stream: unit.streamid,
    actor: unit.actor,
    worldTime: Date.parse(unit.validfrom ?? unit.time),
    txTime: Date.parse(unit.recordedat),
    offset: unit.createdOffset,
    status: 'active',
    text: unitKey(unit.speaker, unit.text ?? ''),
  };
}
