import { ConfigurationError } from '@memfabric/errors';

const PROJECTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const TABLE_BASE = /^[a-z][a-z0-9_]{0,47}$/;
const GROUP = /^projection:([a-z][a-z0-9-]{0,62}):g([1-9][0-9]*)$/;

/**
 * Checks a projection name: 1-63 characters of `a-z`, `0-9` and `-`, starting with a letter.
 * @throws ConfigurationError saying what to change.
 */
export function assertProjectionName(name: string): void {
  if (!PROJECTION_NAME.test(name)) {
    throw new ConfigurationError(
      `projection name "${name}" is invalid: use 1-63 characters of lower-case letters, digits and "-", starting with a letter (e.g. "memory-units")`,
    );
  }
}

/**
 * Checks a generation number (a positive safe integer).
 * @throws ConfigurationError otherwise.
 */
export function assertGeneration(generation: number): void {
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new ConfigurationError(`generation must be a positive integer, got ${String(generation)}`);
  }
}

/**
 * The consumer group that tracks one generation of a projection:
 * `projection:<name>:g<generation>` (e.g. `projection:memory-units:g2`).
 * @throws ConfigurationError for an invalid name or generation.
 */
export function consumerGroupOf(projection: string, generation: number): string {
  assertProjectionName(projection);
  assertGeneration(generation);
  return `projection:${projection}:g${generation}`;
}

/**
 * Inverse of {@link consumerGroupOf}; `undefined` for a group that is not a projection's.
 */
export function parseConsumerGroup(group: string): { projection: string; generation: number } | undefined {
  const match = GROUP.exec(group);
  if (!match?.[1] || !match[2]) return undefined;
  return { projection: match[1], generation: Number(match[2]) };
}

/**
 * The name of a generation's table: `<base>_g<generation>` (e.g. `memory_units_g3`). The result
 * is a safe SQL identifier (letters, digits, `_`), so it may be interpolated into DDL and queries.
 * @param base - 1-48 characters of `a-z`, `0-9` and `_`, starting with a letter.
 * @throws ConfigurationError for an invalid base or generation.
 */
export function generationTable(base: string, generation: number): string {
  if (!TABLE_BASE.test(base)) {
    throw new ConfigurationError(`table base "${base}" is invalid: use 1-48 characters of a-z, 0-9 and "_", starting with a letter`);
  }
  assertGeneration(generation);
  return `${base}_g${generation}`;
}
