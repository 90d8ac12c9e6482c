import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { CURRENT_VERSIONS, dataschemaFor, isEventType, parseDataschema } from './catalog.js';
import { dataSchemas, eventEnvelopeSchema } from './generated/schemas.js';
import type { EventEnvelope } from './generated/types.js';
import { newEventId } from './ids.js';

// ajv-formats is CommonJS with `module.exports = plugin`; under NodeNext its default import
// types as the module namespace, so take the callable from either shape.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

/** Limits applied to every submitted event. Explicit so clients and tests can rely on them. */
export const EVENT_LIMITS = {
  /** Largest serialized event (UTF-8 JSON), in bytes. */
  maxEventBytes: 64 * 1024,
  /** Most events in one append batch. */
  maxBatchEvents: 1000,
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
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
      e.keyword === 'additionalProperties' ? 'is not a known attribute' : e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid');
    return { pointer: pointer === '' ? '/' : pointer, detail };
  });
}

/**
 * Validates one submitted event against the envelope schema and the data schema its
 * `dataschema` names (the type's current version when absent).
 *
 * @param input - the event as received (unknown JSON).
 * @param prefix - JSON Pointer prefix for reported fields (e.g. `/3` for the 4th event of a batch).
 * @returns every problem found; empty when the event is valid.
 */
export function checkEvent(input: unknown, prefix = ''): FieldProblem[] {
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
  return [];
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
