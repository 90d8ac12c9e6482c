import type { ErrorObject, ValidateFunction } from 'ajv';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { contractAjv } from './contract-ajv.js';
import { apiSchemas } from './generated/api-schemas.js';
import type { ApiBodies } from './generated/api-types.js';
import { dataSchemas, eventEnvelopeSchema, storedEventSchema } from './generated/schemas.js';
import { INSTANT_RULE } from './instant.js';

/** Title of an API body schema of `schemas/api/` (`RecallRequest`, `RollbackResponse`, ...). */
export type ApiBodyName = keyof ApiBodies;

/** A JSON Schema object, as the contract constants are. */
type Schema = Readonly<Record<string, unknown>>;

/** Every contract schema (events and API bodies) by `$id`, so references by URN resolve. */
const contractById: ReadonlyMap<string, Schema> = new Map(
  [eventEnvelopeSchema, storedEventSchema, ...Object.values(dataSchemas), ...Object.values(apiSchemas)].map((s: Schema) => [s.$id as string, s]),
);

const ajv = contractAjv({ verbose: true });
for (const schema of contractById.values()) ajv.addSchema(schema);
const validators = new Map<ApiBodyName, ValidateFunction>();

function validatorOf(name: ApiBodyName): ValidateFunction {
  let validate = validators.get(name);
  if (validate === undefined) {
    validate = ajv.getSchema(apiSchemas[name].$id)!;
    validators.set(name, validate);
  }
  return validate;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ITEM_NOUNS: Readonly<Record<string, string>> = { string: 'strings', integer: 'integers', number: 'numbers', object: 'objects', boolean: 'booleans', array: 'arrays' };

/** `from A to B`, `of at least A`, `of at most B` or nothing, for a pair of bounds. */
function range(min: unknown, max: unknown, unit = ''): string {
  const u = unit === '' ? '' : ` ${unit}`;
  if (typeof min === 'number' && typeof max === 'number') return min === max ? ` of exactly ${min}${u}` : ` of ${min} to ${max}${u}`;
  if (typeof min === 'number') return ` of at least ${min}${u}`;
  if (typeof max === 'number') return ` of at most ${max}${u}`;
  return '';
}

/** What one non-null type of `schema` asks for, as a noun phrase (`an integer from 1 to 100`). */
function typeRule(type: unknown, schema: Schema): string {
  switch (type) {
    case 'integer':
    case 'number': {
      const noun = type === 'integer' ? 'an integer' : 'a number';
      const { minimum: min, maximum: max } = schema;
      if (typeof min === 'number' && typeof max === 'number') return `${noun} from ${min} to ${max}`;
      if (min === 0) return type === 'integer' ? 'a non-negative integer' : 'a non-negative number';
      return `${noun}${range(min, max)}`;
    }
    case 'string': {
      if (schema.format === 'date-time') return INSTANT_RULE.replace(/^must be /, '');
      const { minLength: min, maxLength: max } = schema;
      let rule = min === 1 && max === undefined ? 'a non-empty string' : min === undefined && max === undefined ? 'a string' : `a string${range(min, max, 'characters')}`;
      if (typeof schema.pattern === 'string') {
        rule += ` matching ${schema.pattern}`;
        if (typeof schema.description === 'string') rule += ` (${schema.description.replace(/\.$/, '')})`;
      }
      return rule;
    }
    case 'array': {
      const items = isRecord(schema.items) ? schema.items : {};
      const noun = typeof items.type === 'string' ? (ITEM_NOUNS[items.type] ?? 'items') : 'items';
      const bounds = range(schema.minItems, schema.maxItems);
      return bounds === '' ? `an array of ${noun}` : `an array${bounds} ${noun}`;
    }
    case 'object': {
      const keys = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
      if (schema.minProperties === 1 && schema.maxProperties === 1 && keys.length > 0) return `an object with exactly one of ${keys.join(', ')}`;
      return 'an object';
    }
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    default:
      return 'a JSON value';
  }
}

/**
 * The rule a (sub)schema states, in words, from its own keywords (`must be an integer from 1
 * to 100`, `must be an array of 1 to 100 strings`, `must be a string of at most 64
 * characters, or null`); `undefined` when it states none this function reads.
 */
export function schemaRule(schema: Schema): string | undefined {
  if ('const' in schema) return `must be ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) return `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const types = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  if (types.length === 0) return undefined;
  const nullable = types.includes('null');
  const rules = types.filter((t) => t !== 'null').map((t) => typeRule(t, schema));
  return `must be ${rules.join(' or ')}${nullable ? ', or null' : ''}`;
}

/** Keywords whose failure is best told by the rule of the subschema that holds them. */
const RULE_KEYWORDS = new Set([
  'type',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'const',
  'enum',
]);

/** One ajv error as a field problem: the pointer of the field and what it must be. */
function toProblem(error: ErrorObject, prefix: string): FieldProblem {
  const params = error.params as Record<string, unknown>;
  const parent = (isRecord(error.parentSchema) ? error.parentSchema : {}) as Schema;
  let pointer = `${prefix}${error.instancePath}`;
  let detail = error.message ?? 'is invalid';
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    pointer += `/${params.missingProperty}`;
    detail = 'is required';
  } else if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    pointer += `/${params.additionalProperty}`;
    const known = isRecord(parent.properties) ? Object.keys(parent.properties) : [];
    detail = known.length > 0 ? `is not a known field; known: ${known.join(', ')}` : 'is not a known field';
  } else if (RULE_KEYWORDS.has(error.keyword)) {
    detail = schemaRule(parent) ?? detail;
    if (error.keyword === 'maxLength' && typeof error.data === 'string') detail += ` (got ${error.data.length})`;
  }
  return { pointer: pointer === '' ? '/' : pointer, detail };
}

/**
 * Checks a value against the API body schema `name` (`schemas/api/`), with the contract's
 * rules: strict RFC 3339 instants for `date-time` (`parseInstant`), references to the event
 * contract resolved. One problem per field (the first the schema reports), its pointer a JSON
 * Pointer relative to the body (`/scope/tenant`, `/weights/dense`; `/` for the body itself) and
 * its detail the rule the field breaks, in words (`must be an integer from 1 to 100`).
 * @param prefix - JSON Pointer prefix for reported fields (e.g. `/body`).
 * @returns every problem found; empty when the value is valid.
 */
export function checkApiBody(name: ApiBodyName, value: unknown, prefix = ''): FieldProblem[] {
  const validate = validatorOf(name);
  if (validate(value)) return [];
  const byPointer = new Map<string, FieldProblem>();
  for (const error of validate.errors ?? []) {
    // a failed `$ref` or composition adds nothing to the errors of its subschemas
    if (error.keyword === 'if' || error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === '$ref') continue;
    const problem = toProblem(error, prefix);
    if (!byPointer.has(problem.pointer)) byPointer.set(problem.pointer, problem);
  }
  return [...byPointer.values()];
}

/** True when `value` is a valid `name` body (see {@link checkApiBody}). */
export function isApiBody<N extends ApiBodyName>(name: N, value: unknown): value is ApiBodies[N] {
  return validatorOf(name)(value);
}

/**
 * The value as a `name` body.
 * @throws ValidationError naming every bad field (see {@link checkApiBody}); its message is
 *   `invalid <what>` (default the schema title).
 */
export function parseApiBody<N extends ApiBodyName>(name: N, value: unknown, what: string = name): ApiBodies[N] {
  const problems = checkApiBody(name, value);
  if (problems.length > 0) throw new ValidationError(`invalid ${what}`, problems);
  return value as ApiBodies[N];
}

/**
 * The component schemas an OpenAPI 3.1 document needs for these API bodies: each by its
 * title, with every contract schema it references by URN (transitively), so the references
 * resolve inside the document. Each keeps its `$id`; `$schema` is dropped (the document
 * declares the dialect once).
 * @throws Error when a reference names no contract schema (a broken `schemas/` tree).
 */
export function apiComponentSchemas(names: readonly ApiBodyName[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const visit = (schema: Schema): void => {
    const title = schema.title as string;
    if (out[title] !== undefined) return;
    const { $schema: _dialect, ...rest } = schema;
    out[title] = rest;
    for (const id of externalRefs(schema)) {
      const target = contractById.get(id);
      if (target === undefined) throw new Error(`${title} references ${id}, which is no contract schema`);
      visit(target);
    }
  };
  for (const name of names) visit(apiSchemas[name]);
  return out;
}

/** The `$id`s a schema references outside itself. */
function externalRefs(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) externalRefs(v, out);
  else if (isRecord(value)) {
    if (typeof value.$ref === 'string' && !value.$ref.startsWith('#')) out.add(value.$ref.split('#')[0]!);
    for (const v of Object.values(value)) externalRefs(v, out);
  }
  return out;
}
