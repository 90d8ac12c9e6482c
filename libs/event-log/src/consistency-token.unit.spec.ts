import { describe, expect, it } from 'vitest';
import { hasReached } from './checkpoint.js';
import { decodeConsistencyToken, encodeConsistencyToken } from './consistency-token.js';

describe('consistency token', () => {
  it('encodes the position just past the highest offset of each partition', () => {
    const token = encodeConsistencyToken([
      { partition: 0, offset: 4 },
      { partition: 0, offset: 9 },
      { partition: 2, offset: 1 },
    ]);
    expect(decodeConsistencyToken(token)).toEqual({ 0: 10, 2: 2 });
  });

  it('is reached by a checkpoint exactly when every position of the write was read', () => {
    const positions = [
      { partition: 0, offset: 3 },
      { partition: 1, offset: 7 },
    ];
    const required = decodeConsistencyToken(encodeConsistencyToken(positions));
    expect(positions.every((p) => hasReached(required, p))).toBe(true);
    expect(hasReached({ 0: 3, 1: 8 }, { partition: 0, offset: 3 })).toBe(false);
  });

  it('is the same string for the same positions in any order', () => {
    const a = encodeConsistencyToken([{ partition: 1, offset: 1 }, { partition: 0, offset: 5 }]);
    const b = encodeConsistencyToken([{ partition: 0, offset: 5 }, { partition: 1, offset: 1 }]);
    expect(a).toBe(b);
  });

  it('rejects tokens it did not issue', () => {
    for (const bad of ['', 'abc', 'mf1.', 'mf1.!!!', `mf1.${Buffer.from('[1]').toString('base64url')}`, `mf1.${Buffer.from('{"a":1}').toString('base64url')}`, `mf1.${Buffer.from('{"0":-1}').toString('base64url')}`]) {
      expect(() => decodeConsistencyToken(bad), bad).toThrow(/consistency token is malformed/);
    }
  });
});
