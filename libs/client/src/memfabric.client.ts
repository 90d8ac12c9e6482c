import { NotFoundError, UnavailableError, ValidationError } from './generated/errors/index.js';
import type { EventEnvelope, StoredEvent } from './generated/types.js';
import { recallRequestSchema } from './generated/api-schemas.js';
import { resolveClientOptions, type MemfabricClientOptions, type ResolvedClientOptions } from './config.js';
import {
  assertedMemoryEvent,
  correctionEvent,
  interactionEvent,
  retractionEvent,
  type AssertMemoryInput,
  type CorrectMemoryInput,
  type RecordInteractionInput,
  type RetractMemoryInput,
} from './event-builders.js';
import type { AppendResponse, AppendResultItem, HealthStatus, RecallRequest, RecallResponse, StreamPage } from './generated/api-types.js';
import type {
  EntityHistory,
  EraseInput,
  EraseResult,
  ExportResult,
  LiveVerification,
  PointInTimeState,
  ReadAuditRow,
  RevertResult,
  RollbackInput,
  RollbackResult,
  SignedCheckpoint,
  StatePoint,
} from './audit.js';
import { isMemoryHistory, type MemoryHistory } from './history.js';
import { HttpTransport, type CallOptions } from './http-transport.js';

/** Media type of an append body (CloudEvents JSON batch format). */
export const EVENT_BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';

/** Request header naming the ingest batch of an append (rollback can target it). */
export const BATCH_ID_HEADER = 'memfabric-batch-id';

/** Name of a retrieval channel (`dense`, `lexical`, `graph`, `temporal`, `recency`, `context`, `speaker`, `session-spread`, or one the fabric adds). */
export type ChannelName = string;

/** Default and largest wait for a recall's consistency token, ms, as the `RecallRequest` schema states them. */
const CONSISTENCY_WAIT_MS = {
  default: recallRequestSchema.properties.consistencyTimeoutMs.default,
  max: recallRequestSchema.properties.consistencyTimeoutMs.maximum,
} as const;

/** Options of {@link MemfabricClient.appendEvents}. */
export interface AppendOptions extends CallOptions {
  /** Ingest batch id (1..128 characters) the events are recorded under; default one per call, assigned by the log. */
  readonly batchId?: string;
}

/** Where one event written by a helper is stored, and the token to read it back consistently. */
export interface RememberResult extends AppendResultItem {
  /** Pass as `consistencyToken` to {@link MemfabricClient.recall} to wait until the projections hold this event. */
  readonly consistencyToken: string;
}

/** A retraction: the stream may be left out, it is then looked up from the target event. */
export type RetractInput = Omit<RetractMemoryInput, 'stream'> & { readonly stream?: string };

/** Paging of {@link MemfabricClient.readStream}. */
export interface StreamRange {
  /** First stream position (1-based, inclusive); default 1. */
  readonly from?: number;
  /** Events per page, 1..1000; default the server's (100). */
  readonly limit?: number;
}

/** The health checks the fabric serves. */
export type HealthCheck = 'live' | 'ready';

function segment(value: string, pointer: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${pointer} is required`, [{ pointer, detail: 'must be a non-empty string' }]);
  return encodeURIComponent(value);
}

function unexpected(what: string, method: string, url: string, status: number): UnavailableError {
  return new UnavailableError(`${method} ${url} answered ${status} with a body that is not ${what}: does baseUrl point at a memfabric fabric of a compatible version?`, {
    context: { method, url, status },
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed client of the memfabric REST API. Every route shares one base URL: ingest
 * (`POST /v1/events`, `GET /v1/events/{id}`, `GET /v1/tenants/{t}/streams/{s}/events`), recall
 * (`POST /v1/recall`), audit reads (memory and entity history, state at a position or time, the
 * read audit, verification), admin actions (rollback with dry run, revert, erasure, export,
 * checkpoints) and health.
 *
 * Failures (every method):
 * - `MemfabricApiError` for an error response, with the RFC 9457 problem details (`status`,
 *   `type`, `title`, `detail`, `problems`) and `code` mapped onto `@memfabric/errors`;
 * - `UnavailableError` (retriable) when the fabric cannot be reached, times out, or answers
 *   something that is not its API;
 * - `ValidationError` before anything is sent when a helper's input breaks the event contract.
 *
 * Idempotent calls (GETs, recall, appends whose every event has an `id` or `idempotencykey`,
 * which every helper's event has) are retried on 503 and refused connections with full-jitter
 * exponential backoff; nothing else is retried.
 *
 * @example
 * const client = new MemfabricClient({ baseUrl: 'http://127.0.0.1:8081' });
 * const written = await client.recordInteraction({ tenant: 'acme', stream: 's-1', actor: 'user:maya', content: 'I am vegetarian.' });
 * const answer = await client.recall({ query: 'diet', scope: { tenant: 'acme' }, consistencyToken: written.consistencyToken });
 */
export class MemfabricClient {
  /** The validated options, defaults applied. */
  readonly options: ResolvedClientOptions;
  private readonly http: HttpTransport;

  /** @throws ConfigurationError naming every bad option and how to fix it. */
  constructor(options: MemfabricClientOptions) {
    this.options = resolveClientOptions(options);
    this.http = new HttpTransport(this.options);
  }

  /** The base URL every route shares (no trailing `/`). */
  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * `POST /v1/events`: appends a CloudEvents batch (1..1000 events; the server validates each
   * against `schemas/events`). Retried only when every event carries an `id` or `idempotencykey`.
   *
   * @returns where each event is stored (input order), counts of appended and duplicate events,
   *   and the consistency token of the batch.
   * @throws MemfabricApiError `validation_failed` (400) naming every bad field as `/<index>/...`,
   *   `payload_too_large` (413), `idempotency_conflict` (409).
   */
  async appendEvents(batch: readonly EventEnvelope[], options: AppendOptions = {}): Promise<AppendResponse> {
    if (!Array.isArray(batch) || batch.length === 0) {
      throw new ValidationError('a batch needs at least one event', [{ pointer: '/', detail: 'must be a non-empty array of events' }]);
    }
    const idempotent = batch.every((e: EventEnvelope | undefined) => typeof e?.id === 'string' || typeof e?.idempotencykey === 'string');
    const path = '/v1/events';
    const { status, body } = await this.http.send({
      method: 'POST',
      path,
      body: batch,
      contentType: EVENT_BATCH_MEDIA_TYPE,
      ...(options.batchId === undefined ? {} : { headers: { [BATCH_ID_HEADER]: options.batchId } }),
      idempotent,
      options,
    });
    if (!isObject(body) || !Array.isArray(body.results) || typeof body.consistencyToken !== 'string') {
      throw unexpected('an append response', 'POST', this.http.url(path), status);
    }
    return body as unknown as AppendResponse;
  }

  /**
   * Records one interaction (a message, tool call, tool result or observation) as an
   * `interaction.recorded` event. Role defaults to `user`, kind to `message`, time to now.
   * @throws ValidationError before sending when the input breaks the event contract; see {@link appendEvents}.
   */
  async recordInteraction(input: RecordInteractionInput, options: AppendOptions = {}): Promise<RememberResult> {
    return this.appendOne(interactionEvent(input, this.options.source), options);
  }

  /**
   * Asserts an explicit typed memory (`memory.asserted`), optionally valid only in a world-time
   * interval [`validFrom`, `validTo`).
   * @throws ValidationError before sending when the input breaks the event contract; see {@link appendEvents}.
   */
  async assertMemory(input: AssertMemoryInput, options: AppendOptions = {}): Promise<RememberResult> {
    return this.appendOne(assertedMemoryEvent(input, this.options.source), options);
  }

  /**
   * Corrects a memory (`memory.corrected`): the new content supersedes the event `supersedes`,
   * which stays in the log.
   * @throws ValidationError before sending when the input breaks the event contract; see {@link appendEvents}.
   */
  async correctMemory(input: CorrectMemoryInput, options: AppendOptions = {}): Promise<RememberResult> {
    return this.appendOne(correctionEvent(input, this.options.source), options);
  }

  /**
   * Retracts a memory (`memory.retracted`): from now on recall no longer returns it; the
   * history keeps it. Without `stream`, the target event is read first (`GET /v1/events/{id}`)
   * and the retraction goes to its stream.
   *
   * @throws NotFoundError when the target event does not exist in `tenant` (an event of another
   *   tenant is reported as not found, never retracted).
   * @throws ValidationError before sending when the input breaks the event contract; see {@link appendEvents}.
   */
  async retractMemory(input: RetractInput, options: AppendOptions = {}): Promise<RememberResult> {
    let stream = input.stream;
    if (stream === undefined) {
      const target = await this.getEvent(input.target, options);
      if (target.tenantid !== input.tenant) {
        throw new NotFoundError(`no memory ${input.target} in tenant ${input.tenant}`, { context: { tenant: input.tenant, target: input.target } });
      }
      stream = target.streamid;
    }
    return this.appendOne(retractionEvent({ ...input, stream }, this.options.source), options);
  }

  private async appendOne(event: EventEnvelope, options: AppendOptions): Promise<RememberResult> {
    const response = await this.appendEvents([event], options);
    const [result] = response.results;
    if (result === undefined) throw unexpected('an append response with one result', 'POST', this.http.url('/v1/events'), 200);
    return { ...result, consistencyToken: response.consistencyToken };
  }

  /**
   * `POST /v1/recall`: one query over every retrieval channel, fused and explained (see
   * `RecallRequest` in `schemas/api`). A read, so retried like a GET. With a
   * `consistencyToken`, the attempt's timeout is extended by `consistencyTimeoutMs` (default
   * 2000 ms) so the server's wait for the projections is not cut short. The client's `caller`
   * fills in the request's when it names none.
   *
   * @throws MemfabricApiError `validation_failed` naming every bad field (`/query`, `/k`,
   *   `/scope/tenant`, ...), `not_found` for an unknown preset, `unavailable` while a read model
   *   has no active generation.
   */
  async recall(request: RecallRequest, options: CallOptions = {}): Promise<RecallResponse> {
    const path = '/v1/recall';
    const waitMs =
      request?.consistencyToken === undefined ? 0 : Math.min(request.consistencyTimeoutMs ?? CONSISTENCY_WAIT_MS.default, CONSISTENCY_WAIT_MS.max);
    const timeoutMs = (options.timeoutMs ?? this.options.timeoutMs) + (Number.isFinite(waitMs) && waitMs > 0 ? waitMs : 0);
    const sent = request?.caller === undefined && this.options.caller !== undefined ? { ...request, caller: this.options.caller } : request;
    const { status, body } = await this.http.send({ method: 'POST', path, body: sent, idempotent: true, options: { ...options, timeoutMs } });
    if (!isObject(body) || !Array.isArray(body.hits)) throw unexpected('a recall response', 'POST', this.http.url(path), status);
    return body as unknown as RecallResponse;
  }

  /**
   * `GET /v1/events/{id}`: one stored event with its positions, transaction time and hash.
   * @throws MemfabricApiError `not_found` (404) when no such event exists.
   */
  async getEvent(id: string, options: CallOptions = {}): Promise<StoredEvent> {
    const path = `/v1/events/${segment(id, '/path/id')}`;
    const { status, body } = await this.http.send({ method: 'GET', path, idempotent: true, options });
    if (!isObject(body) || typeof body.id !== 'string') throw unexpected('a stored event', 'GET', this.http.url(path), status);
    return body as unknown as StoredEvent;
  }

  /**
   * `GET /v1/tenants/{tenant}/streams/{stream}/events?from=&limit=`: one page of a stream in
   * stream order; `next` is the `from` of the following page, absent at the end.
   * @throws MemfabricApiError `not_found` for an unknown tenant or stream, `validation_failed` for bad paging.
   */
  async readStream(tenant: string, stream: string, range: StreamRange = {}, options: CallOptions = {}): Promise<StreamPage> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/streams/${segment(stream, '/path/stream')}/events`;
    const { status, body } = await this.http.send({ method: 'GET', path, query: { from: range.from, limit: range.limit }, idempotent: true, options });
    if (!isObject(body) || !Array.isArray(body.events)) throw unexpected('a stream page', 'GET', this.http.url(path), status);
    return body as unknown as StreamPage;
  }

  /**
   * Every event of a stream from position `range.from` (default 1) to its current end, page by
   * page (`range.limit` events per request).
   * @throws see {@link readStream}; thrown while iterating.
   */
  async *streamEvents(tenant: string, stream: string, range: StreamRange = {}, options: CallOptions = {}): AsyncGenerator<StoredEvent, void, undefined> {
    let from: number | undefined = range.from;
    do {
      const page = await this.readStream(tenant, stream, { from, limit: range.limit }, options);
      yield* page.events;
      from = page.next;
    } while (from !== undefined);
  }

  /**
   * `GET /v1/tenants/{tenant}/memories/{unitId}/history`: every event that touched a memory unit, as versions.
   * @throws MemfabricApiError `not_found` when the tenant has no such unit.
   */
  async history(tenant: string, unitId: string, options: CallOptions = {}): Promise<MemoryHistory> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/memories/${segment(unitId, '/path/id')}/history`;
    const { status, body } = await this.http.send({ method: 'GET', path, idempotent: true, options });
    if (!isMemoryHistory(body)) throw unexpected('a memory history ({unitId, versions: [...]})', 'GET', this.http.url(path), status);
    return body;
  }

  /**
   * `GET /v1/tenants/{tenant}/entities/{id}/history`: every fact about a knowledge-graph entity
   * added, supported, invalidated or ended, with valid and transaction times. Scope `audit:read`.
   * @throws MemfabricApiError `not_found` when the tenant has no such entity.
   */
  async entityHistory(tenant: string, entityId: string, options: CallOptions = {}): Promise<EntityHistory> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/entities/${segment(entityId, '/path/id')}/history`;
    return this.object(await this.http.send({ method: 'GET', path, idempotent: true, options }), 'an entity history', 'GET', path, 'entries');
  }

  /**
   * `GET /v1/tenants/{tenant}/state?position=|at=`: memory units and facts as they stood at a
   * log position (global offset, inclusive) or a transaction time, folded from the log. Scope `audit:read`.
   * @throws ValidationError before sending unless exactly one of `position` and `at` is given.
   * @throws MemfabricApiError `validation_failed` for a bad position or instant.
   */
  async stateAt(tenant: string, point: StatePoint, options: CallOptions = {}): Promise<PointInTimeState> {
    const hasPosition = 'position' in point && point.position !== undefined;
    const hasAt = 'at' in point && point.at !== undefined;
    if (hasPosition === hasAt) throw new ValidationError('state needs exactly one of position and at', [{ pointer: '/query', detail: 'give exactly one of position and at' }]);
    const at = 'at' in point ? (point.at instanceof Date ? point.at.toISOString() : point.at) : undefined;
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/state`;
    const query = { position: 'position' in point ? point.position : undefined, at, stream: point.stream };
    return this.object(await this.http.send({ method: 'GET', path, query, idempotent: true, options }), 'a point-in-time state', 'GET', path, 'units');
  }

  /**
   * `GET /v1/tenants/{tenant}/reads?since=&limit=`: the read audit (recalls and audited reads:
   * who, when, which units), oldest first. Scope `audit:read`.
   * @param range.since - RFC 3339 instant; range.limit - 1..10000 rows (server default 1000).
   */
  async reads(tenant: string, range: { readonly since?: string | Date; readonly limit?: number } = {}, options: CallOptions = {}): Promise<readonly ReadAuditRow[]> {
    const since = range.since instanceof Date ? range.since.toISOString() : range.since;
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/reads`;
    const body = this.object<{ reads: ReadAuditRow[] }>(await this.http.send({ method: 'GET', path, query: { since, limit: range.limit }, idempotent: true, options }), 'a read audit', 'GET', path, 'reads');
    return body.reads;
  }

  /**
   * `GET /v1/tenants/{tenant}/verify`: recomputes the tenant's hash chains and checks the signed
   * checkpoints against the live heads. Scope `audit:read`.
   * @returns `valid`, or the first failure naming the event.
   */
  async verify(tenant: string, options: CallOptions = {}): Promise<LiveVerification> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/verify`;
    return this.object(await this.http.send({ method: 'GET', path, idempotent: true, options }), 'a verification', 'GET', path, 'valid');
  }

  /**
   * `POST /v1/tenants/{tenant}/checkpoints`: takes a signed checkpoint of the tenant's stream
   * heads now (empty when the tenant has no events). Scope `audit:admin`. Not retried.
   */
  async createCheckpoint(tenant: string, options: CallOptions = {}): Promise<readonly SignedCheckpoint[]> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/checkpoints`;
    const body = this.object<{ checkpoints: SignedCheckpoint[] }>(await this.http.send({ method: 'POST', path, idempotent: false, options }), 'checkpoints', 'POST', path, 'checkpoints');
    return body.checkpoints;
  }

  /**
   * `POST /v1/tenants/{tenant}/export`: writes a signed export bundle (events, checkpoints,
   * manifest and its signature) on the server. Scope `audit:admin`. Not retried.
   * @returns where the bundle is and the public key to verify it with.
   */
  async exportTenant(tenant: string, options: CallOptions = {}): Promise<ExportResult> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/export`;
    return this.object(await this.http.send({ method: 'POST', path, idempotent: false, options }), 'an export', 'POST', path, 'dir');
  }

  /**
   * `POST /v1/tenants/{tenant}/rollbacks[?dryRun=true]`: rolls back by filter — with `dryRun`,
   * lists the units that would disappear from recall and appends nothing; otherwise appends
   * `rollback.applied` (history keeps everything). Scope `audit:admin`. A dry run is retried
   * like a read; an applied rollback is not.
   * @throws ValidationError before sending when the filter names nothing (it would hide the whole tenant).
   * @throws MemfabricApiError `validation_failed` for a bad filter.
   */
  async rollback(tenant: string, input: RollbackInput, options: CallOptions = {}): Promise<RollbackResult> {
    const filter = input?.filter ?? {};
    if (Object.values(filter).every((v) => v === undefined)) {
      throw new ValidationError('a rollback needs a filter (actor, streamid, from, to or batchid)', [{ pointer: '/filter', detail: 'name at least one of actor, streamid, from, to, batchid' }]);
    }
    const dryRun = input.dryRun === true;
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/rollbacks`;
    const sent = await this.http.send({ method: 'POST', path, body: { filter, ...(input.reason === undefined ? {} : { reason: input.reason }), dryRun }, idempotent: dryRun, options });
    return this.object(sent, 'a rollback', 'POST', path, 'ids');
  }

  /**
   * `POST /v1/rollbacks/{id}/revert`: reverts a rollback (appends `rollback.reverted`;
   * idempotent, so retried). Scope `audit:admin`.
   * @throws MemfabricApiError `not_found` for an unknown rollback id (or another tenant's).
   */
  async revertRollback(rollbackId: string, input: { readonly reason?: string } = {}, options: CallOptions = {}): Promise<RevertResult> {
    const path = `/v1/rollbacks/${segment(rollbackId, '/path/id')}/revert`;
    return this.object(await this.http.send({ method: 'POST', path, body: input, idempotent: true, options }), 'a revert', 'POST', path, 'rollbackId');
  }

  /**
   * `POST /v1/tenants/{tenant}/subjects/{subject}/erase`: erases a data subject — destroys its
   * content key (crypto-shredding), appends `subject.erased`, purges derived data. Irreversible.
   * Scope `audit:admin`. Not retried.
   * @throws MemfabricApiError `not_found` when no event of the subject was ever recorded in the tenant.
   */
  async eraseSubject(tenant: string, subject: string, input: EraseInput = {}, options: CallOptions = {}): Promise<EraseResult> {
    const path = `/v1/tenants/${segment(tenant, '/path/tenant')}/subjects/${segment(subject, '/path/subject')}/erase`;
    return this.object(await this.http.send({ method: 'POST', path, body: input, idempotent: false, options }), 'an erasure', 'POST', path, 'eventId');
  }

  /** The body of an answer when it is an object holding `field`, else the "not its API" error. */
  private object<T>(answer: { status: number; body: unknown }, what: string, method: string, path: string, field: string): T {
    if (!isObject(answer.body) || !(field in answer.body)) throw unexpected(what, method, this.http.url(path), answer.status);
    return answer.body as T;
  }

  /**
   * `GET /health/{check}`: `live` (the process serves HTTP) or `ready` (default: the event log
   * answers). Not retried unless `options.maxRetries` says so.
   * @throws MemfabricApiError `unavailable` (503) when the check fails; UnavailableError when unreachable.
   */
  async health(check: HealthCheck = 'ready', options: CallOptions = {}): Promise<HealthStatus> {
    if (check !== 'live' && check !== 'ready') throw new ValidationError(`unknown health check ${String(check)}`, [{ pointer: '/check', detail: 'must be live or ready' }]);
    const path = `/health/${check}`;
    const { status, body } = await this.http.send({ method: 'GET', path, idempotent: true, options: { maxRetries: 0, ...options } });
    if (!isObject(body) || body.status !== 'ok') throw unexpected('a health status', 'GET', this.http.url(path), status);
    return body as unknown as HealthStatus;
  }

  /** `GET /openapi.json`: the OpenAPI 3.1 document the fabric serves. */
  async openApi(options: CallOptions = {}): Promise<Record<string, unknown>> {
    const path = '/openapi.json';
    const { status, body } = await this.http.send({ method: 'GET', path, idempotent: true, options });
    if (!isObject(body) || typeof body.openapi !== 'string') throw unexpected('an OpenAPI document', 'GET', this.http.url(path), status);
    return body;
  }
}
