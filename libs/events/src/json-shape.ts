import type { FieldProblem } from '@memfabric/errors';

/**
 * Deepest nesting of arrays and objects accepted in a request body or an event: `{}` and `[]`
 * are depth 1, `{"a": [1]}` is depth 2. Validators and canonical hashing recurse, so a body nested
 * thousands deep would exhaust the stack; 64 is far more than any memfabric shape needs (an event
 * batch reaches about 6).
 */
export const MAX_JSON_DEPTH = 64;

/** Most problems {@link checkJsonShape} reports for one value. */
const MAX_PROBLEMS = 20;

/** One segment of a JSON Pointer (RFC 6901): `~` → `~0`, `/` → `~1`; lone surrogates shown as U+FFFD. */
function segment(key: string): string {
  return key.toWellFormed().replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Checks the shape of a parsed JSON value without recursion (so it cannot overflow the stack,
 * whatever the input): nesting at most `maxDepth` arrays/objects deep, and every string and
 * member name well-formed Unicode (no lone UTF-16 surrogate such as `"\ud800"`, which has no
 * UTF-8 encoding and so no canonical hash).
 *
 * @param value - a JSON value (as `JSON.parse` returns it); other values are treated as leaves.
 * @param prefix - JSON Pointer prefix for the reported fields (`''` for a whole body, `/3` for
 *   the 4th event of a batch).
 * @param maxDepth - deepest nesting allowed; {@link MAX_JSON_DEPTH} by default.
 * @returns the problems found, at most 20, each naming its JSON Pointer; empty when the value
 *   is fine. A container past the depth limit is reported once and not descended into.
 */
export function checkJsonShape(value: unknown, prefix = '', maxDepth = MAX_JSON_DEPTH): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: { value: unknown; pointer: string; depth: number }[] = [{ value, pointer: prefix, depth: 0 }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) problems.push({ pointer: item.pointer || '/', detail: 'is not well-formed Unicode (it holds a lone surrogate)' });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) {
      problems.push({ pointer: item.pointer || '/', detail: `nests deeper than ${maxDepth} arrays/objects; the limit is ${maxDepth}` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i] as unknown, pointer: `${item.pointer}/${i}`, depth });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const pointer = `${item.pointer}/${segment(key)}`;
      if (!key.isWellFormed()) problems.push({ pointer, detail: 'member name is not well-formed Unicode (it holds a lone surrogate)' });
      stack.push({ value: child, pointer, depth });
    }
  }
  return problems.slice(0, MAX_PROBLEMS);
}
