import type { ErrorObject, ValidateFunction } from 'ajv';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { CURRENT_VERSIONS, dataschemaFor, isEventType, parseDataschema } from './catalog.js';
import { contractAjv } from './contract-ajv.js';
import { dataSchemas, eventEnvelopeSchema } from './generated/schemas.js';
import type { EventEnvelope } from './generated/types.js';
import { newEventId } from './ids.js';
import { INSTANT_RULE, parseInstant } from './instant.js';
import { checkJsonShape } from './json-shape.js';

/** Limits applied to every submitted event. Explicit so clients and tests can rely on them. */
export const EVENT_LIMITS = {
  /** Largest serialized event (UTF-8 JSON), in bytes. */
  maxEventBytes: 64 * 1024,
  /** Most events in one append batch. */
  maxBatchEvents: 1000,
  /**
   * Earliest world `time` of an event, inclusive, in ms since the epoch (1900-01-01T00:00:00Z):
   * the analytics read model stores it as a ClickHouse `DateTime64`, whose range is 1900-2299.
   */
  minTimeMs: Date.UTC(1900, 0, 1),
  /** Latest world `time` of an event, inclusive, in ms since the epoch (2299-12-31T23:59:59.999Z). */
  maxTimeMs: Date.UTC(2300, 0, 1) - 1,
} as const;

const ajv = contractAjv();
const validateEnvelopeFn = ajv.compile<EventEnvelope>(eventEnvelopeSchema);
const dataValidators = new Map<string, ValidateFunction>(
  Object.entries(dataSchemas).map(([urn, schema]) => [urn, ajv.compile(schema)]),
);

/** An event ready to append: the envelope with every defaultable attribute filled in. */
export type NewEvent = EventEnvelope &
  Required<Pick<EventEnvelope, 'specversion' | 'id' | 'dataschema' | 'datasubject' | 'datacontenttype'>>;

function toProblems(errors: readonly ErrorObject[] | null | undefined, prefix: string): FieldProblem[] {
  return (errors ?? []).map((e) => {
    let pointer = `${prefix}${e.instancePath}`;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') pointer += `/${params.missingProperty}`;
    if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer += `/${params.additionalProperty}`;
    }
    const detail =
      e.keyword === 'additionalProperties'
        ? 'is not a known attribute'
        : e.keyword === 'required'
          ? 'is required'
          : e.keyword === 'format' && params.format === 'date-time'
            ? INSTANT_RULE
            : (e.message ?? 'is invalid');
    return { pointer: pointer === '' ? '/' : pointer, detail };
  });
}

/**
 * Validates one submitted event against the envelope schema and the data schema its
 * `dataschema` names (the type's current version when absent). Its shape is checked first
 * ({@link checkJsonShape}: at most `MAX_JSON_DEPTH` levels deep, no lone surrogate in any
 * string), then its size, then the schemas; every `date-time` field (`time`, `data.validfrom`,
 * ...) must be a strict RFC 3339 instant (`parseInstant`).
 *
 * @param input - the event as received (unknown JSON).
 * @param prefix - JSON Pointer prefix for reported fields (e.g. `/3` for the 4th event of a batch).
 * @returns every problem found; empty when the event is valid.
 */
export function checkEvent(input: unknown, prefix = ''): FieldProblem[] {
  const shape = checkJsonShape(input, prefix);
  if (shape.length > 0) return shape;
  const bytes = new TextEncoder().encode(JSON.stringify(input) ?? '').length;
  if (bytes > EVENT_LIMITS.maxEventBytes) {
    return [{ pointer: prefix || '/', detail: `event is ${bytes} bytes; the limit is ${EVENT_LIMITS.maxEventBytes}` }];
  }
  if (!validateEnvelopeFn(input)) return toProblems(validateEnvelopeFn.errors, prefix);
  const urn = input.dataschema ?? (isEventType(input.type) ? dataschemaFor(input.type) : '');
  const parsed = parseDataschema(urn);
  const validate = dataValidators.get(urn);
  if (!parsed || parsed.type !== input.type || !validate) {
    return [{ pointer: `${prefix}/dataschema`, detail: `no schema ${urn} for type ${input.type}` }];
  }
  if (!validate(input.data)) return toProblems(validate.errors, `${prefix}/data`);
  return crossFieldProblems(input, prefix);
}

/**
 * What the schemas cannot say but the projections require (so an acknowledged event is never
 * dead-lettered for it): the world `time` within {@link EVENT_LIMITS} `minTimeMs`..`maxTimeMs`
 * and a validity interval with `validto` after `validfrom`. Runs on a schema-valid event, so
 * every time parses. (Rollback filters are checked by the audit actions that write them.)
 */
function crossFieldProblems(event: EventEnvelope, prefix: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const time = parseInstant(event.time)!;
  if (time < EVENT_LIMITS.minTimeMs || time > EVENT_LIMITS.maxTimeMs) {
    problems.push({ pointer: `${prefix}/time`, detail: 'must be from 1900-01-01T00:00:00Z to 2299-12-31T23:59:59.999Z' });
  }
  const data = event.data as Record<string, unknown>;
  const before = (from: unknown, to: unknown) => typeof from !== 'string' || typeof to !== 'string' || parseInstant(from)! < parseInstant(to)!;
  if ((event.type === 'memory.asserted' || event.type === 'memory.corrected') && !before(data.validfrom, data.validto)) {
    problems.push({ pointer: `${prefix}/data/validto`, detail: 'must be after data/validfrom' });
  }
  return problems;
}

/**
 * Validates an event and fills in its defaults: `specversion` 1.0, a UUIDv7 `id`, the current
 * `dataschema` of its type, `datasubject` = `actor`, `datacontenttype` application/json.
 *
 * @throws ValidationError naming every bad field.
 */
export function normalizeEvent(input: unknown, prefix = ''): NewEvent {
  const problems = checkEvent(input, prefix);
  if (problems.length > 0) throw new ValidationError('event is invalid', problems);
  const event = input as EventEnvelope;
  const type = event.type;
  return {
    ...event,
    specversion: '1.0',
    id: event.id ?? newEventId(),
    dataschema: event.dataschema ?? dataschemaFor(type, CURRENT_VERSIONS[type]),
    datasubject: event.datasubject ?? event.actor,
    datacontenttype: 'application/json',
  };
}

/**
 * Validates and normalizes a batch (the CloudEvents JSON batch format: an array of events).
 * Field pointers are relative to the batch (`/0/data/content`).
 *
 * @throws ValidationError naming every bad field of every event, or when the batch is not a
 *   non-empty array of at most {@link EVENT_LIMITS.maxBatchEvents} events.
 */
export function normalizeBatch(input: unknown): NewEvent[] {
  if (!Array.isArray(input)) {
    throw new ValidationError('a batch must be a JSON array of events', [{ pointer: '/', detail: 'must be an array' }]);
  }
  if (input.length === 0) throw new ValidationError('a batch needs at least one event', [{ pointer: '/', detail: 'must not be empty' }]);
  if (input.length > EVENT_LIMITS.maxBatchEvents) {
    throw new ValidationError(`a batch holds at most ${EVENT_LIMITS.maxBatchEvents} events`, [
      { pointer: '/', detail: `has ${input.length} events; the limit is ${EVENT_LIMITS.maxBatchEvents}` },
    ]);
  }
  const problems = input.flatMap((event, i) => checkEvent(event, `/${i}`));
  if (problems.length > 0) throw new ValidationError(`${problems.length} invalid field(s) in batch`, problems);
  return input.map((event, i) => normalizeEvent(event, `/${i}`));
}
