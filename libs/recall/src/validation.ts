import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { checkApiBody, checkJsonShape, parseInstant } from '@memfabric/events';
import { CHANNEL_NAMES, RECALL_LIMITS, type ChannelName, type RecallRequest } from './types.js';

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
 * What the wire contract cannot say: a query of more than whitespace, and weights only for the
 * channels this engine has. Reads only fields of the expected type, so it may run beside the
 * schema check and one answer names every bad field.
 */
function semanticProblems(input: Partial<RecallRequest>, channels: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof input.query === 'string' && input.query.trim() === '') problems.push({ pointer: '/query', detail: 'must not be only whitespace' });
  if (typeof input.weights === 'object' && input.weights !== null && !Array.isArray(input.weights)) {
    for (const name of Object.keys(input.weights)) {
      if (!channels.includes(name)) problems.push({ pointer: `/weights/${name}`, detail: `is not a channel; channels: ${channels.join(', ')}` });
    }
  }
  return problems;
}

/** The first problem of each field, in order. */
function firstPerField(found: readonly FieldProblem[]): FieldProblem[] {
  const byPointer = new Map<string, FieldProblem>();
  for (const problem of found) if (!byPointer.has(problem.pointer)) byPointer.set(problem.pointer, problem);
  return [...byPointer.values()];
}

/**
 * Checks a recall request against its wire contract, the `RecallRequest` schema of
 * `schemas/api` (`checkApiBody`: types, {@link RECALL_LIMITS}, unknown fields refused), then
 * what the schema cannot express (a query of more than whitespace; `weights` naming only
 * `channels`). Times (`asOf.time`, `validAt`, `referenceTime`) follow the one instant rule of
 * `@memfabric/events` (`parseInstant`: strict RFC 3339, real calendar dates, years
 * 0001-9999), the rule ingest applies; every string must be well-formed Unicode (no lone
 * surrogate). A preset name is resolved by the engine (an unknown one is a `NotFoundError`).
 * @throws ValidationError naming every bad field by JSON pointer (`/query`, `/k`,
 *   `/scope/tenant`, `/asOf/time`, `/weights/dense`, ...), one problem per field.
 * @param channels - names `weights` may use: the engine's channels; default the built-in ones.
 */
export function validateRecallRequest(request: RecallRequest, channels: readonly string[] = CHANNEL_NAMES): ValidRecallRequest {
  // a missing body reads as an empty one, so the problems name the required fields
  const input: unknown = request ?? {};
  const problems = firstPerField([...checkJsonShape(input), ...checkApiBody('RecallRequest', input), ...semanticProblems(input as Partial<RecallRequest>, channels)]);
  if (problems.length > 0) throw new ValidationError('invalid recall request', problems);

  const valid = input as RecallRequest;
  const { scope } = valid;
  const merged = scope.actors || scope.agents ? [...new Set([...(scope.actors ?? []), ...(scope.agents ?? [])])] : undefined;
  const asOf = valid.asOf === undefined ? undefined : valid.asOf.position !== undefined ? { position: valid.asOf.position } : { timeMs: parseInstant(valid.asOf.time)! };
  return {
    query: valid.query.trim(),
    tenant: scope.tenant,
    streams: scope.streams,
    actors: merged,
    k: valid.k ?? RECALL_LIMITS.defaultK,
    asOf,
    validAtMs: valid.validAt === undefined ? undefined : parseInstant(valid.validAt),
    referenceTimeMs: valid.referenceTime === undefined ? undefined : parseInstant(valid.referenceTime),
    consistencyToken: valid.consistencyToken,
    consistencyTimeoutMs: valid.consistencyTimeoutMs ?? RECALL_LIMITS.defaultConsistencyTimeoutMs,
    preset: valid.preset,
    weights: valid.weights === undefined ? undefined : { ...valid.weights },
    mmrLambda: valid.mmrLambda,
    caller: valid.caller ?? 'anonymous',
  };
}
