import { ValidationError } from '@memfabric/errors';
import { INSTANT_RULE, parseInstant, schemas } from '@memfabric/events';
import type { Request } from 'express';
import { auditCaller } from '@memfabric/auth';
import { requirePrincipal } from '@memfabric/ingest';
import { CALLER_HEADER } from './audit.tokens.js';

const envelope = schemas.eventEnvelopeSchema;
const TENANT_ID = new RegExp(envelope.$defs.tenantId.pattern);
const STREAM_ID = new RegExp(envelope.$defs.streamId.pattern);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENTITY_ID = /^ent_[0-9a-f]{32}$/;
const MAX_SUBJECT = envelope.properties.datasubject.maxLength;

/**
 * The rule of each kind of identifier, by parameter name: tenant and stream ids as the event
 * envelope defines them (the patterns ingest checks), unit, rollback and entity ids as the fabric
 * assigns them, a data subject as the envelope's `datasubject` allows it.
 */
const RULES: Readonly<Record<string, { readonly test: (value: string) => boolean; readonly detail: string }>> = {
  tenant: { test: (v) => TENANT_ID.test(v), detail: envelope.$defs.tenantId.description },
  stream: { test: (v) => STREAM_ID.test(v), detail: envelope.$defs.streamId.description },
  // a memory unit or a rollback is named by its event id (a UUID), an entity by `ent_` + 32 hex digits
  id: {
    test: (v) => UUID.test(v) || ENTITY_ID.test(v),
    detail: 'must be a UUID (a memory unit or rollback id) or an entity id (ent_ and 32 hex digits)',
  },
  subject: {
    test: (v) => v.length <= MAX_SUBJECT && /^[^\p{Cc}]+$/u.test(v) && v.isWellFormed() && v.trim() !== '',
    detail: `must be 1-${MAX_SUBJECT} characters, not only spaces, without control characters`,
  },
};
const OTHER = { test: (v: string) => /^[^\s/]{1,256}$/.test(v) && v.isWellFormed(), detail: 'must be 1-256 characters without whitespace or "/"' };

/**
 * A path or query identifier, checked by the rule of the parameter `pointer` names (its last
 * segment): `tenant` — the envelope's tenant id pattern (1-64 letters, digits, `.`, `_`, `-`);
 * `stream` — the envelope's stream id pattern (1-128, also `:`); `id` — a UUID (memory unit,
 * rollback) or an entity id `ent_<32 hex>`; `subject` — a data subject of 1-256 characters,
 * not blank, no control characters; anything else 1-256 characters without whitespace or `/`.
 * @param pointer - where the value came from: `/path/tenant`, `/query/stream`, `/path/id`, ...
 * @throws ValidationError naming the parameter and its rule.
 */
export function identifier(value: unknown, pointer: string): string {
  const rule = RULES[pointer.slice(pointer.lastIndexOf('/') + 1)] ?? OTHER;
  if (typeof value !== 'string' || !rule.test(value)) {
    throw new ValidationError(`${pointer.replace(/^\//, '')} ${rule.detail}`, [{ pointer, detail: rule.detail }]);
  }
  return value;
}

/** An optional query value that must appear at most once. @throws ValidationError when repeated. */
export function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`query parameter ${name} must be given once`, [{ pointer: `/query/${name}`, detail: 'must be given once' }]);
  return value;
}

/**
 * An optional non-negative integer query parameter.
 * @throws ValidationError unless it is digits only and at most `max`.
 */
export function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  const raw = single(value, name);
  if (raw === undefined) return undefined;
  const n = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ValidationError(`query parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`, [{ pointer: `/query/${name}`, detail: `must be an integer from ${min} to ${max}` }]);
  }
  return n;
}

/**
 * An optional RFC 3339 instant query parameter, by the one instant rule ingest and recall apply
 * (`parseInstant` of `@memfabric/events`: uppercase T and Z, offset and seconds required, a real
 * calendar date, hours 00-23, seconds 00-59, years 0001-9999).
 * @returns the value as given, or `undefined` when absent.
 * @throws ValidationError when repeated or not such an instant.
 */
export function optionalInstant(value: unknown, name: string): string | undefined {
  const raw = single(value, name);
  if (raw === undefined) return undefined;
  if (parseInstant(raw) === undefined) {
    throw new ValidationError(`query parameter ${name} ${INSTANT_RULE}; got ${JSON.stringify(raw.toWellFormed())}`, [{ pointer: `/query/${name}`, detail: INSTANT_RULE }]);
  }
  return raw;
}

/**
 * The reader recorded in the read audit: the authenticated principal's id, with the
 * `X-Memfabric-Caller` header appended as a label (never substituted), e.g. `key:k1 (agent-7)`.
 * @throws UnauthenticatedError when the route ran without the auth guard.
 */
export function callerOf(req: Request): string {
  const header = req.headers[CALLER_HEADER];
  return auditCaller(requirePrincipal(req), typeof header === 'string' ? header : undefined);
}
