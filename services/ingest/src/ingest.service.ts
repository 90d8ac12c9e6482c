import { Inject, Injectable } from '@nestjs/common';
import { ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError, type FieldProblem } from '@memfabric/errors';
import { encodeConsistencyToken, type EventLog } from '@memfabric/event-log';
import { EVENT_LIMITS, EVENT_TYPES, normalizeBatch, schemas, type StoredEvent } from '@memfabric/events';
import type { AppendResponse, StreamPage } from '@memfabric/events';
import { hasTenant, isClientEventType, CLIENT_EVENT_TYPES, type Principal } from '@memfabric/auth';
import { countAppended } from '@memfabric/telemetry-node';
import { EVENT_LOG } from './ingest.tokens.js';

/** Request header naming the ingest batch of an append (stamped on events that carry no `batchid`). */
export const BATCH_ID_HEADER = 'memfabric-batch-id';

/** Event types of the catalog that only memfabric services write (see `CLIENT_EVENT_TYPES`). */
const SERVICE_EVENT_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES.filter((t) => !isClientEventType(t)));

/** Paging of `GET /v1/tenants/{tenant}/streams/{stream}/events`. */
export const STREAM_PAGE_LIMITS = {
  /** Events per page when `limit` is absent. */
  defaultLimit: 100,
  /** Largest `limit` accepted. */
  maxLimit: 1000,
} as const;

const envelope = schemas.eventEnvelopeSchema;
const TENANT_ID = new RegExp(envelope.$defs.tenantId.pattern);
const STREAM_ID = new RegExp(envelope.$defs.streamId.pattern);
const BATCH_ID_LENGTH = { min: envelope.properties.batchid.minLength, max: envelope.properties.batchid.maxLength };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function positiveInteger(raw: unknown, fallback: number, max: number): number | undefined {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^[1-9][0-9]*$/.test(raw)) return undefined;
  const n = Number(raw);
  return n <= max ? n : undefined;
}

/**
 * What the ingest routes do, without HTTP: validate, append to and read from the {@link EventLog}.
 * Every failure is a typed memfabric error (rendered as problem+json by the filter).
 */
@Injectable()
export class IngestService {
  constructor(@Inject(EVENT_LOG) private readonly log: EventLog) {}

  /**
   * Validates and appends a CloudEvents JSON batch.
   * @param body - the parsed request body (should be an array of 1 to {@link EVENT_LIMITS.maxBatchEvents} events).
   * @param batchId - value of the `memfabric-batch-id` header, if sent.
   * @param principal - the authenticated caller; every event's tenant must be granted to it
   *   (the guard checked the scope and the tenants before parsing reached here).
   * @returns each event's position in input order, counts, and a consistency token.
   * @throws PayloadTooLargeError when the batch has more than `EVENT_LIMITS.maxBatchEvents` events.
   * @throws ValidationError naming every bad field of every event (and a bad batch id header);
   *   nothing is appended then.
   * @throws ForbiddenError (403) when an event's type is written only by a memfabric service
   *   (`subject.erased`, `rollback.*`, `facts.extracted`, `version.tagged`) or names a tenant the
   *   principal was not granted; nothing is appended then.
   * @throws IdempotencyConflictError when a known idempotency key arrives with different content.
   * @throws UnavailableError when the log cannot be reached.
   */
  async append(body: unknown, batchId: string | undefined, principal: Principal): Promise<AppendResponse> {
    if (Array.isArray(body) && body.length > EVENT_LIMITS.maxBatchEvents) {
      throw new PayloadTooLargeError(
        `a batch holds at most ${EVENT_LIMITS.maxBatchEvents} events; this one has ${body.length}`,
        EVENT_LIMITS.maxBatchEvents,
        body.length,
      );
    }
    if (batchId !== undefined && (batchId.length < BATCH_ID_LENGTH.min || batchId.length > BATCH_ID_LENGTH.max)) {
      throw new ValidationError(`header ${BATCH_ID_HEADER} is invalid`, [
        { pointer: `/header/${BATCH_ID_HEADER}`, detail: `must be ${BATCH_ID_LENGTH.min} to ${BATCH_ID_LENGTH.max} characters` },
      ]);
    }
    // the writer rule first: a service-only type is refused whatever the rest of the event holds
    const items: unknown[] = Array.isArray(body) ? body : [body];
    const serviceOnly = items
      .map((e, i) => ({ i, type: typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined }))
      .filter((e): e is { i: number; type: string } => typeof e.type === 'string' && SERVICE_EVENT_TYPES.has(e.type));
    if (serviceOnly.length > 0) {
      const first = serviceOnly[0]!;
      throw new ForbiddenError(
        `event /${first.i} is a ${first.type} event, which only memfabric services write; clients append ${CLIENT_EVENT_TYPES.join(', ')} (use the audit routes to roll back or erase)`,
        { context: { types: [...new Set(serviceOnly.map((e) => e.type))] } },
      );
    }
    const events = normalizeBatch(body);
    const foreign = events.find((e) => !hasTenant(principal, e.tenantid));
    if (foreign) throw new ForbiddenError(`this credential is not granted tenant ${foreign.tenantid}`, { context: { principal: principal.id } });
    const results = await this.log.append(events, batchId === undefined ? {} : { batchid: batchId });
    const duplicates = results.filter((r) => r.duplicate).length;
    results.forEach((r, i) => {
      if (!r.duplicate) countAppended(events[i]!.type);
    });
    return {
      results: results.map((r) => ({
        id: r.id,
        tenantid: r.tenantid,
        streamid: r.streamid,
        partition: r.partition,
        offset: r.offset,
        streamposition: r.streamposition,
        duplicate: r.duplicate,
      })),
      appended: results.length - duplicates,
      duplicates,
      consistencyToken: encodeConsistencyToken(results),
    };
  }

  /**
   * One stored event by id, when its tenant is granted to `principal`.
   * @throws ValidationError when `id` is not a UUID.
   * @throws NotFoundError when no event has this id, or the event belongs to a tenant the
   *   principal was not granted (the same answer: another tenant's event looks missing).
   */
  async getEvent(id: string, principal: Principal): Promise<StoredEvent> {
    if (!UUID.test(id)) throw new ValidationError('event id is not a UUID', [{ pointer: '/path/id', detail: 'must be a UUID' }]);
    const event = await this.log.getEvent(id);
    if (!event || !hasTenant(principal, event.tenantid)) throw new NotFoundError(`no event with id ${id}`, { context: { id } });
    return event;
  }

  /**
   * One page of a stream, in stream order, starting at stream position `from`.
   * @param from - raw `from` query value: a 1-based stream position; default 1.
   * @param limit - raw `limit` query value: 1 to {@link STREAM_PAGE_LIMITS.maxLimit}; default {@link STREAM_PAGE_LIMITS.defaultLimit}.
   * @returns the events and, when more follow, `next` (the `from` of the next page).
   * @throws ValidationError naming every bad parameter.
   * @throws NotFoundError "unknown stream S of tenant T" when the tenant does not have the stream,
   *   whether or not the tenant has other streams (one answer, so the route does not reveal which
   *   tenants exist). A known stream read past its end is an empty page.
   */
  async readStream(tenant: string, stream: string, from: unknown, limit: unknown): Promise<StreamPage> {
    const problems: FieldProblem[] = [];
    if (!TENANT_ID.test(tenant)) problems.push({ pointer: '/path/tenant', detail: envelope.$defs.tenantId.description });
    if (!STREAM_ID.test(stream)) problems.push({ pointer: '/path/stream', detail: envelope.$defs.streamId.description });
    const start = positiveInteger(from, 1, Number.MAX_SAFE_INTEGER);
    if (start === undefined) problems.push({ pointer: '/query/from', detail: 'must be a stream position (an integer of at least 1)' });
    const size = positiveInteger(limit, STREAM_PAGE_LIMITS.defaultLimit, STREAM_PAGE_LIMITS.maxLimit);
    if (size === undefined) problems.push({ pointer: '/query/limit', detail: `must be an integer from 1 to ${STREAM_PAGE_LIMITS.maxLimit}` });
    if (problems.length > 0 || start === undefined || size === undefined) {
      throw new ValidationError(`${problems.length} invalid parameter(s)`, problems);
    }

    const events = await this.log.readStream(tenant, stream, { fromStreamPosition: start, limit: size + 1 });
    if (events.length === 0) await this.assertStreamExists(tenant, stream);
    const page = events.slice(0, size);
    const last = page.at(-1);
    return events.length > size && last ? { events: page, next: last.streamposition + 1 } : { events: page };
  }

  /** @throws NotFoundError, the same for an unknown tenant as for an unknown stream of a known one. */
  private async assertStreamExists(tenant: string, stream: string): Promise<void> {
    const streams = await this.log.listStreams(tenant);
    if (!streams.some((s) => s.streamid === stream)) {
      throw new NotFoundError(`unknown stream ${stream} of tenant ${tenant}`, { context: { tenant, stream } });
    }
  }
}
