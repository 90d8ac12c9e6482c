import { ValidationError } from './generated/errors/index.js';
// runtime helpers of the event contract: bundled into the published build (see scripts/build.js)
import { checkEvent, dataschemaFor, newEventId } from '@memfabric/events';
import type { EventEnvelope, InteractionRecorded, MemoryAsserted, MemoryCorrected, MemoryRetracted } from './generated/types.js';

/** An event type of the contract. */
type EventType = EventEnvelope['type'];

/** A point in world time: an RFC 3339 string or a `Date`. */
export type TimeInput = string | Date;

/** Envelope attributes every helper accepts. */
export interface EventBaseInput {
  /** Tenant id (1-64 of letters, digits, `.`, `_`, `-`). */
  readonly tenant: string;
  /** Stream id: the agent session or conversation (1-128 of letters, digits, `.`, `_`, `:`, `-`). */
  readonly stream: string;
  /** Who writes the event (`user:maya`, `agent:planner`). */
  readonly actor: string;
  /** World time: when it happened; default now. */
  readonly time?: TimeInput;
  /**
   * Client key making the append idempotent within the tenant: a repeat with the same key writes
   * nothing and returns the first append's position. The log compares the repeat with the stored
   * event (source, type, subject, world time, stream, actor, data) and answers 409
   * `idempotency_conflict` when they differ, so a caller repeating a call itself must pass the
   * same `time` (the default, now, differs per call). Without a key the event still gets a
   * client-side UUIDv7 `id`, which the log deduplicates on as well (the client's own retries
   * resend the identical body).
   */
  readonly idempotencyKey?: string;
  /** Event id (UUID); default a new UUIDv7 (RFC 9562). */
  readonly id?: string;
  /** Person whose personal data the event carries (erasure target); default the actor. */
  readonly dataSubject?: string;
  /** Id of the event that caused this one. */
  readonly causationId?: string;
  /** Id shared by every event of one logical operation. */
  readonly correlationId?: string;
  /** W3C `traceparent` of the write. */
  readonly traceparent?: string;
  /** CloudEvents `source`; default the client's `source` option. */
  readonly source?: string;
  /** CloudEvents `subject`. */
  readonly subject?: string;
}

/** An interaction to record (`interaction.recorded`, current version). */
export interface RecordInteractionInput extends EventBaseInput {
  /** Text of the interaction (at most 32768 UTF-16 code units). */
  readonly content: string;
  /** Role of the speaker; default `user`. */
  readonly role?: InteractionRecorded['role'];
  /** What kind of interaction; default `message`. */
  readonly kind?: InteractionRecorded['kind'];
  /** Display name of who spoke, when it differs from the actor id. */
  readonly speaker?: string;
  /** Reference of the turn in the system it came from. */
  readonly sourceRef?: string;
  /** The tool of a `tool_call` / `tool_result`. */
  readonly tool?: InteractionRecorded['tool'];
  readonly attachments?: InteractionRecorded['attachments'];
}

/** The memory types an asserted memory may have. */
export type MemoryType = MemoryAsserted['memorytype'];

/** Every {@link MemoryType}. */
export const MEMORY_TYPES: readonly MemoryType[] = ['fact', 'preference', 'profile', 'event', 'instruction', 'summary'];

/** An explicit memory to assert (`memory.asserted`). */
export interface AssertMemoryInput extends EventBaseInput {
  /** The memory, in words (1..32768 characters). */
  readonly content: string;
  readonly memoryType: MemoryType;
  /** Stable id of the memory within the tenant (1..256 characters); default the idempotency key, else the event id. */
  readonly memoryId?: string;
  /** Structured fields (subject, predicate, object, ...). */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** Start of the world-time interval in which the memory holds. */
  readonly validFrom?: TimeInput;
  /** End (exclusive) of that interval. */
  readonly validTo?: TimeInput;
  /** Confidence in [0, 1]. */
  readonly confidence?: number;
}

/** A correction of an earlier memory (`memory.corrected`): the new version supersedes `supersedes`. */
export interface CorrectMemoryInput extends EventBaseInput {
  /** Id of the event whose memory this one replaces (a memory unit id). */
  readonly supersedes: string;
  readonly content: string;
  readonly memoryId?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly validFrom?: TimeInput;
  readonly validTo?: TimeInput;
  readonly reason?: string;
}

/** A retraction (`memory.retracted`): the target no longer counts as true from now on; it stays in the log. */
export interface RetractMemoryInput extends EventBaseInput {
  /** Id of the event whose memory is retracted (a memory unit id). */
  readonly target: string;
  readonly reason?: string;
}

function rfc3339(value: TimeInput, pointer: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError('invalid date', [{ pointer, detail: 'is an invalid Date' }]);
    return value.toISOString();
  }
  return value;
}

function envelope<T extends EventType>(type: T, input: EventBaseInput, defaultSource: string, data: object): EventEnvelope {
  const event: EventEnvelope = {
    specversion: '1.0',
    id: input.id ?? newEventId(),
    source: input.source ?? defaultSource,
    type,
    time: rfc3339(input.time ?? new Date(), '/time'),
    dataschema: dataschemaFor(type),
    datacontenttype: 'application/json',
    tenantid: input.tenant,
    streamid: input.stream,
    actor: input.actor,
    data: data as EventEnvelope['data'],
  };
  if (input.subject !== undefined) event.subject = input.subject;
  if (input.idempotencyKey !== undefined) event.idempotencykey = input.idempotencyKey;
  if (input.dataSubject !== undefined) event.datasubject = input.dataSubject;
  if (input.causationId !== undefined) event.causationid = input.causationId;
  if (input.correlationId !== undefined) event.correlationid = input.correlationId;
  if (input.traceparent !== undefined) event.traceparent = input.traceparent;
  const problems = checkEvent(event);
  if (problems.length > 0) {
    throw new ValidationError(`${type} event is invalid: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`, problems);
  }
  return event;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Builds an `interaction.recorded` event (current data version) and validates it against the
 * event contract (`schemas/events`).
 *
 * @param defaultSource - CloudEvents `source` when the input names none.
 * @throws ValidationError naming every bad field (`/tenantid`, `/data/content`, ...).
 */
export function interactionEvent(input: RecordInteractionInput, defaultSource: string): EventEnvelope {
  const data: InteractionRecorded = defined({
    kind: input.kind ?? 'message',
    role: input.role ?? 'user',
    content: input.content,
    speaker: input.speaker,
    sourceref: input.sourceRef,
    tool: input.tool,
    attachments: input.attachments,
  });
  return envelope('interaction.recorded', input, defaultSource, data);
}

/**
 * Builds a `memory.asserted` event and validates it. The memory id defaults to the idempotency
 * key (so a repeat with the same key builds the same data) or else the event id; the `subject`
 * defaults to the memory id.
 * @throws ValidationError naming every bad field.
 */
export function assertedMemoryEvent(input: AssertMemoryInput, defaultSource: string): EventEnvelope {
  const id = input.id ?? newEventId();
  const memoryId = input.memoryId ?? input.idempotencyKey ?? id;
  const data: MemoryAsserted = defined({
    memoryid: memoryId,
    memorytype: input.memoryType,
    content: input.content,
    attributes: input.attributes,
    validfrom: input.validFrom === undefined ? undefined : rfc3339(input.validFrom, '/data/validfrom'),
    validto: input.validTo === undefined ? undefined : rfc3339(input.validTo, '/data/validto'),
    confidence: input.confidence,
  });
  return envelope('memory.asserted', { ...input, id, subject: input.subject ?? memoryId }, defaultSource, data);
}

/**
 * Builds a `memory.corrected` event and validates it. Its `subject` defaults to the superseded event id.
 * @throws ValidationError naming every bad field.
 */
export function correctionEvent(input: CorrectMemoryInput, defaultSource: string): EventEnvelope {
  const data: MemoryCorrected = defined({
    supersedes: input.supersedes,
    memoryid: input.memoryId,
    content: input.content,
    attributes: input.attributes,
    validfrom: input.validFrom === undefined ? undefined : rfc3339(input.validFrom, '/data/validfrom'),
    validto: input.validTo === undefined ? undefined : rfc3339(input.validTo, '/data/validto'),
    reason: input.reason,
  });
  return envelope('memory.corrected', { ...input, subject: input.subject ?? input.supersedes }, defaultSource, data);
}

/**
 * Builds a `memory.retracted` event and validates it. Its `subject` defaults to the target event id.
 * @throws ValidationError naming every bad field.
 */
export function retractionEvent(input: RetractMemoryInput, defaultSource: string): EventEnvelope {
  const data: MemoryRetracted = defined({ target: input.target, reason: input.reason });
  return envelope('memory.retracted', { ...input, subject: input.subject ?? input.target }, defaultSource, data);
}
