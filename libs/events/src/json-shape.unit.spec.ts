import { describe, expect, it } from 'vitest';
import { checkJsonShape, MAX_JSON_DEPTH } from './index.js';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('checkJsonShape', () => {
  it('accepts ordinary JSON up to the depth limit', () => {
    expect(checkJsonShape({ a: [1, 'two', null, true, { b: 'é😀' }] })).toEqual([]);
    expect(checkJsonShape(nested(MAX_JSON_DEPTH))).toEqual([]);
    expect(checkJsonShape('plain')).toEqual([]);
    expect(MAX_JSON_DEPTH).toBe(64);
  });

  it('reports a container past the limit once, by pointer, without descending into it', () => {
    expect(checkJsonShape(nested(MAX_JSON_DEPTH + 1))).toEqual([{ pointer: '/0/a'.repeat(32), detail: expect.stringContaining('deeper than 64') as string }]);
    expect(checkJsonShape([[[]]], '/3', 2)).toEqual([{ pointer: '/3/0/0', detail: expect.stringContaining('deeper than 2') as string }]);
  });

  it('survives nesting far beyond the stack depth of a recursive walk', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) as unknown;
    expect(checkJsonShape(deep)).toHaveLength(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkJsonShape(cyclic)).toHaveLength(1);
  });

  it('reports lone surrogates in strings and member names, with escaped pointers', () => {
    expect(checkJsonShape({ actor: '\ud800', ok: '\ud83d\ude00' })).toEqual([{ pointer: '/actor', detail: expect.stringContaining('lone surrogate') as string }]);
    expect(checkJsonShape(['x', 'a\udc00b'], '/0/data')).toEqual([{ pointer: '/0/data/1', detail: expect.stringContaining('well-formed Unicode') as string }]);
    expect(checkJsonShape({ 'a/b~\ud800': 1 })).toEqual([{ pointer: '/a~1b~0\ufffd', detail: expect.stringContaining('member name') as string }]);
    expect(checkJsonShape('\udfff')).toEqual([{ pointer: '/', detail: expect.stringContaining('lone surrogate') as string }]);
  });

  it('caps the number of problems reported', () => {
    expect(checkJsonShape(Array.from({ length: 1000 }, () => '\ud800'))).toHaveLength(20);
  });
});
