import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { checkJsonShape, INSTANT_RULE, parseInstant } from '@memfabric/events';
import { CHANNEL_NAMES, RECALL_LIMITS, type ChannelName, type RecallRequest } from './types.js';

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A recall request after validation, with defaults applied and times in ms. */
export interface ValidRecallRequest {
  readonly query: string;
  readonly tenant: string;
  readonly streams: readonly string[] | undefined;
  /** `actors` and `agents` merged. */
  readonly actors: readonly string[] | undefined;
  readonly k: number;
  readonly asOf: { readonly position: number } | { readonly timeMs: number } | undefined;
  readonly validAtMs: number | undefined;
  readonly referenceTimeMs: number | undefined;
  readonly consistencyToken: string | undefined;
  readonly consistencyTimeoutMs: number;
  readonly preset: string | undefined;
  readonly weights: Partial<Record<ChannelName, number>> | undefined;
  readonly mmrLambda: number | null | undefined;
  readonly caller: string;
}

/**
 * Checks a recall request against its schema and {@link RECALL_LIMITS}. Times (`asOf.time`,
 * `validAt`, `referenceTime`) follow the one instant rule of `@memfabric/events`
 * (`parseInstant`: strict RFC 3339, real calendar dates, years 0001-9999), the rule ingest
 * applies; every string must be well-formed Unicode (no lone surrogate).
 * @throws ValidationError naming every bad field by JSON pointer (`/query`, `/k`,
 *   `/scope/tenant`, `/asOf/time`, `/weights/dense`, ...).
 * @param channels - names `weights` may use: the engine's channels; default the built-in ones.
 */
export function validateRecallRequest(request: RecallRequest, channels: readonly string[] = CHANNEL_NAMES): ValidRecallRequest {
  const problems: FieldProblem[] = [...checkJsonShape(request)];
  const bad = (pointer: string, detail: string) => problems.push({ pointer, detail });
  const input = (request ?? {}) as Partial<RecallRequest>;

  const query = input.query;
  if (typeof query !== 'string' || query.trim() === '') bad('/query', 'must be a non-empty string');
  else if (query.length > RECALL_LIMITS.maxQueryChars) bad('/query', `must be at most ${RECALL_LIMITS.maxQueryChars} characters (got ${query.length})`);

  const scope = input.scope;
  if (typeof scope !== 'object' || scope === null) bad('/scope', 'must be an object with a tenant');
  else if (typeof scope.tenant !== 'string' || !TENANT.test(scope.tenant)) bad('/scope/tenant', 'must be 1-64 characters of letters, digits, ".", "_" or "-"');
  const list = (name: 'streams' | 'actors' | 'agents'): string[] | undefined => {
    const value = scope?.[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0 || value.length > RECALL_LIMITS.maxScopeValues) {
      bad(`/scope/${name}`, `must be an array of 1 to ${RECALL_LIMITS.maxScopeValues} strings`);
      return undefined;
    }
    value.forEach((v, i) => {
      if (typeof v !== 'string' || v.length === 0 || v.length > 256) bad(`/scope/${name}/${i}`, 'must be a string of 1 to 256 characters');
    });
    return value as string[];
  };
  const streams = list('streams');
  const actors = list('actors');
  const agents = list('agents');

  const k = input.k ?? RECALL_LIMITS.defaultK;
  if (!Number.isSafeInteger(k) || k < 1 || k > RECALL_LIMITS.maxK) bad('/k', `must be an integer from 1 to ${RECALL_LIMITS.maxK}`);

  let asOf: ValidRecallRequest['asOf'];
  if (input.asOf !== undefined) {
    const a = input.asOf as { position?: unknown; time?: unknown };
    if (typeof a !== 'object' || a === null || (a.position === undefined) === (a.time === undefined)) {
      bad('/asOf', 'must be {"position": <log offset>} or {"time": "<RFC 3339>"}');
    } else if (a.position !== undefined) {
      if (!Number.isSafeInteger(a.position) || (a.position as number) < 0) bad('/asOf/position', 'must be a non-negative integer log offset');
      else asOf = { position: a.position as number };
    } else {
      const ms = parseInstant(a.time);
      if (ms === undefined) bad('/asOf/time', INSTANT_RULE);
      else asOf = { timeMs: ms };
    }
  }
  const time = (name: 'validAt' | 'referenceTime'): number | undefined => {
    if (input[name] === undefined) return undefined;
    const ms = parseInstant(input[name]);
    if (ms === undefined) bad(`/${name}`, INSTANT_RULE);
    return ms;
  };
  const validAtMs = time('validAt');
  const referenceTimeMs = time('referenceTime');

  if (input.consistencyToken !== undefined && (typeof input.consistencyToken !== 'string' || input.consistencyToken.length > 4096)) {
    bad('/consistencyToken', 'must be the token string a write returned');
  }
  const timeout = input.consistencyTimeoutMs ?? RECALL_LIMITS.defaultConsistencyTimeoutMs;
  if (!Number.isSafeInteger(timeout) || timeout < 0 || timeout > RECALL_LIMITS.maxConsistencyTimeoutMs) {
    bad('/consistencyTimeoutMs', `must be an integer from 0 to ${RECALL_LIMITS.maxConsistencyTimeoutMs} (ms)`);
  }
  if (input.preset !== undefined && (typeof input.preset !== 'string' || input.preset.length === 0 || input.preset.length > 64)) {
    bad('/preset', 'must be a preset name');
  }
  let weights: Partial<Record<ChannelName, number>> | undefined;
  if (input.weights !== undefined) {
    if (typeof input.weights !== 'object' || input.weights === null || Array.isArray(input.weights)) bad('/weights', 'must be an object of channel weights');
    else {
      weights = {};
      for (const [name, value] of Object.entries(input.weights)) {
        if (!channels.includes(name)) bad(`/weights/${name}`, `is not a channel; channels: ${channels.join(', ')}`);
        else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) bad(`/weights/${name}`, 'must be a number from 0 to 100');
        else weights[name] = value;
      }
    }
  }
  const mmrLambda = input.mmrLambda;
  if (mmrLambda !== undefined && mmrLambda !== null && (typeof mmrLambda !== 'number' || !(mmrLambda >= 0 && mmrLambda <= 1))) {
    bad('/mmrLambda', 'must be a number from 0 to 1, or null to disable MMR');
  }
  const caller = input.caller ?? 'anonymous';
  if (typeof caller !== 'string' || caller.length === 0 || caller.length > 256) bad('/caller', 'must be a string of 1 to 256 characters');

  if (problems.length > 0) throw new ValidationError('invalid recall request', problems);
  const merged = actors || agents ? [...new Set([...(actors ?? []), ...(agents ?? [])])] : undefined;
  return {
    query: query!.trim(),
    tenant: scope!.tenant,
    streams,
    actors: merged,
    k,
    asOf,
    validAtMs,
    referenceTimeMs,
    consistencyToken: input.consistencyToken,
    consistencyTimeoutMs: timeout,
    preset: input.preset,
    weights,
    mmrLambda,
    caller,
  };
}
