import { performance } from 'node:perf_hooks';
import type { QueryLogRow } from '@memfabric/analytics';
import {
  auditReadRow,
  entityHistory,
  HISTORY_READ_PRESET,
  LogSealedEventSource,
  memoryHistory,
  STATE_READ_PRESET,
  stateAt,
  type CheckpointStore,
  type EntityHistory,
  type MemoryHistory,
  type PointInTimeState,
  type SignedCheckpoint,
  type Signer,
  type StatePoint,
  type StateProgress,
} from '@memfabric/audit';
import { NotFoundError, ValidationError } from '@memfabric/errors';
import { newEventId, type StoredEvent } from '@memfabric/events';
import type { Subscription } from '@memfabric/event-log';
import type { AuditedFabric } from './audited-fabric.js';
import { nodeSignatureVerifier } from './ed25519.js';
import { createCheckpoints, exportTenant, verifyLiveStore, type ExportProgress, type ExportResult, type LiveVerification } from './tamper-evidence.js';

/** What an {@link Audit} is made of. */
export interface AuditOptions {
  /** The fabric to audit (see {@link AuditedFabric}); its owner closes it, the audit never does. */
  readonly fabric: AuditedFabric;
  /** Signs checkpoints and export manifests (see `loadAuditSigner`, or an HSM- or KMS-backed signer). */
  readonly signer: Signer;
  /** Clock of checkpoints and read records; default `new Date()`. */
  readonly clock?: () => Date;
}

/** Who is reading, recorded in the read audit. */
export interface ReadContext {
  /** Principal (agent, user, service); default `anonymous`. */
  readonly caller?: string;
}

/** Options of {@link Audit.reads}. */
export interface ReadsQuery {
  /** Only reads at or after this instant (RFC 3339). */
  readonly since?: string;
  /** Most rows; default 1000, at most 10 000. */
  readonly limit?: number;
}

const PAGE = 1000;

/**
 * The audit service over an {@link AuditedFabric}: history and point-in-time state computed
 * from the log, the read audit (every history and state read is written to the analytics query
 * log next to recalls), signed checkpoints, export bundles and the live tamper check. The same
 * class serves the embedded fabric (`EmbeddedAudit.open`) and a cluster process (construct it
 * over the cluster's `AuditedFabric`). Used by the HTTP module and the CLI; the rollback and
 * erasure actions take {@link fabric}.
 */
export class Audit {
  /** The audited fabric (pass it to `planRollback`, `applyRollback`, `revertRollback`, `eraseSubject`). */
  readonly fabric: AuditedFabric;
  readonly signer: Signer;
  /** Signed checkpoints (the fabric's store). */
  readonly checkpoints: CheckpointStore;
  /** Events exactly as stored (the log's sealed reads), positions in each tenant's partition. */
  readonly sealed: LogSealedEventSource;
  private readonly clock: () => Date;
  private checkpointing: Subscription | undefined;

  constructor(options: AuditOptions) {
    this.fabric = options.fabric;
    this.signer = options.signer;
    this.checkpoints = options.fabric.checkpoints;
    this.sealed = new LogSealedEventSource(options.fabric.log, { tenantPartition: (tenantid) => options.fabric.tenantPartition(tenantid) });
    this.clock = options.clock ?? (() => new Date());
  }

  /** Every event of a tenant in log order (decrypted; erased content reads as `data: null`). */
  async tenantEvents(tenant: string): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let from = {};
    for (;;) {
      const page = await this.fabric.log.readAll({ from, limit: PAGE, tenantid: tenant });
      events.push(...page.events);
      if (page.events.length < PAGE) return events;
      from = page.next;
    }
  }

  /**
   * The history of a memory unit from the log (see `memoryHistory`), recorded in the read audit.
   * @throws NotFoundError when the tenant has no such unit.
   */
  async memoryHistory(tenant: string, unitId: string, context: ReadContext = {}): Promise<MemoryHistory> {
    const started = performance.now();
    const history = memoryHistory(await this.tenantEvents(tenant), tenant, unitId);
    await this.recordRead(tenant, context, { kind: 'memory', id: unitId }, history.units, HISTORY_READ_PRESET, started);
    return history;
  }

  /**
   * The history of a knowledge-graph entity from the active graph generation, recorded in the read audit.
   * @throws NotFoundError when the graph projection has not run yet or the entity is unknown.
   */
  async entityHistory(tenant: string, entityId: string, context: ReadContext = {}): Promise<EntityHistory> {
    const started = performance.now();
    const graph = await this.fabric.activeGraph();
    if (graph === undefined) throw new NotFoundError('the knowledge graph has not been projected yet; run `memfabric project`', { context: { tenant } });
    const history = await entityHistory(graph, tenant, entityId);
    await this.recordRead(tenant, context, { kind: 'entity', id: entityId }, [entityId], HISTORY_READ_PRESET, started);
    return history;
  }

  /**
   * The memory units and facts of a tenant at a point, folded from the log alone (see `stateAt`;
   * `point.position` is an offset of the tenant's partition), recorded in the read audit with
   * the units returned.
   * @throws ValidationError on a malformed point.
   * @throws ConfigurationError when the tenant's events are in several partitions.
   */
  async state(tenant: string, point: StatePoint, context: ReadContext = {}, onProgress?: StateProgress): Promise<PointInTimeState> {
    const started = performance.now();
    const state = await stateAt(this.fabric.log, tenant, point, onProgress);
    const scope = point.position !== undefined ? `position:${point.position}` : `at:${point.at ?? ''}`;
    await this.recordRead(tenant, context, { kind: 'state', id: `${scope}${point.streamid ? `:stream:${point.streamid}` : ''}` }, state.units.map((u) => u.id), STATE_READ_PRESET, started, state.recordedAt);
    return state;
  }

  private async recordRead(
    tenant: string,
    context: ReadContext,
    scope: { kind: 'memory' | 'entity' | 'state'; id: string },
    unitIds: readonly string[],
    preset: string,
    started: number,
    asOf: string | null = null,
  ): Promise<void> {
    const row = auditReadRow({
      queryId: newEventId(),
      tenantid: tenant,
      caller: context.caller && context.caller.length > 0 ? context.caller : 'anonymous',
      scope,
      unitIds,
      preset,
      latencyMs: performance.now() - started,
      at: this.clock().toISOString(),
      asOf,
    });
    await this.fabric.analytics.insertQueries([row]);
  }

  /**
   * The read audit of a tenant: recalls and audited reads (history, state), oldest first.
   * @throws ValidationError on a malformed `since` or `limit`.
   */
  reads(tenant: string, query: ReadsQuery = {}): Promise<QueryLogRow[]> {
    return this.fabric.analytics.listQueries({ tenant, ...(query.since === undefined ? {} : { since: query.since }), ...(query.limit === undefined ? {} : { limit: query.limit }) });
  }

  /**
   * Takes a signed checkpoint of every tenant (or one) now.
   * @throws ConfigurationError when a tenant's events are in several partitions.
   */
  checkpoint(tenant?: string): Promise<SignedCheckpoint[]> {
    return createCheckpoints(this.deps(), tenant === undefined ? {} : { tenant });
  }

  /**
   * Writes the signed export bundle of a tenant into `dir` (new or empty).
   * @throws ValidationError when `dir` is not empty or the tenant has no events.
   * @throws ConfigurationError when the tenant's events are in several partitions.
   */
  export(tenant: string, dir: string, onProgress?: ExportProgress): Promise<ExportResult> {
    return exportTenant(this.deps(), tenant, dir, onProgress);
  }

  /** Recomputes the chains and checks every stored checkpoint against the live chain heads. */
  verifyLive(tenant?: string): Promise<LiveVerification> {
    return verifyLiveStore({ log: this.fabric.log, source: this.sealed, store: this.checkpoints, publicKeyPem: this.signer.publicKeyPem, verifier: nodeSignatureVerifier }, tenant);
  }

  /**
   * Takes checkpoints automatically: a consumer group (`audit:checkpoints`) counts appended
   * events and, every `everyEvents`, checkpoints each tenant whose heads moved. Stops with
   * {@link stopCheckpointing} or {@link close}.
   * @throws ValidationError unless `everyEvents` is an integer >= 1.
   */
  startCheckpointing(everyEvents: number, onError?: (error: unknown) => void): void {
    if (!Number.isSafeInteger(everyEvents) || everyEvents < 1) {
      throw new ValidationError(`checkpoint interval must be an integer >= 1 events, got ${everyEvents}`, [{ pointer: '/checkpointEvery', detail: 'must be an integer >= 1' }]);
    }
    if (this.checkpointing) return;
    let pending = 0;
    this.checkpointing = this.fabric.log.subscribe(
      'audit:checkpoints',
      async (events) => {
        pending += events.length;
        if (pending < everyEvents) return;
        pending = 0;
        await createCheckpoints(this.deps(), { skipUnchanged: true });
      },
      { maxBatch: Math.min(everyEvents, 1000), ...(onError ? { onError } : {}) },
    );
  }

  /** Stops automatic checkpoints (waits for the batch in flight). */
  async stopCheckpointing(): Promise<void> {
    const running = this.checkpointing;
    this.checkpointing = undefined;
    await running?.stop();
  }

  /** Stops automatic checkpoints. The fabric stays open (its owner closes it). */
  close(): Promise<void> {
    return this.stopCheckpointing();
  }

  private deps() {
    return { source: this.sealed, store: this.checkpoints, signer: this.signer, clock: this.clock };
  }
}
