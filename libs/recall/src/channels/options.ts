import type { OptionProblem } from '../channel.js';

/** True for a finite number in [min, max]. */
export function inRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

/** True for a safe integer in [min, max]. */
export function intInRange(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && inRange(value, min, max);
}

/** The value as a plain object, or a problem at the root. */
export function objectOptions(value: unknown, problems: OptionProblem[]): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push({ pointer: '', detail: 'must be an object of channel options' });
  return {};
}

/** Problems for keys of `options` that are not in `known`. */
export function unknownKeys(options: Record<string, unknown>, known: readonly string[]): OptionProblem[] {
  return Object.keys(options)
    .filter((key) => !known.includes(key))
    .map((key) => ({ pointer: `/${key}`, detail: `is not an option of this channel; options: ${known.join(', ') || 'none'}` }));
}

/** `validateOptions` of a channel that takes no options: only `{}` is valid. */
export function noOptions(value: unknown): OptionProblem[] {
  const problems: OptionProblem[] = [];
  problems.push(...unknownKeys(objectOptions(value, problems), []));
  return problems;
}
