import { describe, expect, it } from 'vitest';
import { MemfabricError, ValidationError } from '@memfabric/errors';
import { leaveOneConversationOut } from './loco.js';

const items = [
  { sampleId: 'c1', q: 1 },
  { sampleId: 'c2', q: 2 },
  { sampleId: 'c1', q: 3 },
  { sampleId: 'c3', q: 4 },
  { sampleId: 'c2', q: 5 },
];

describe('leaveOneConversationOut', () => {
  it('trains one model per conversation on every other conversation, never on the held-out one', () => {
    const seen: { heldOut: string; ids: string[]; qs: number[] }[] = [];
    const folds = leaveOneConversationOut(items, (training, heldOut) => {
      seen.push({ heldOut, ids: training.map((t) => t.sampleId), qs: training.map((t) => t.q) });
      return `model without ${heldOut}`;
    });
    expect(folds).toEqual([
      { heldOut: 'c1', trainedOn: ['c2', 'c3'], model: 'model without c1' },
      { heldOut: 'c2', trainedOn: ['c1', 'c3'], model: 'model without c2' },
      { heldOut: 'c3', trainedOn: ['c1', 'c2'], model: 'model without c3' },
    ]);
    for (const fold of seen) expect(fold.ids).not.toContain(fold.heldOut);
    // every item of the other conversations, in order
    expect(seen.map((s) => s.qs)).toEqual([
      [2, 4, 5],
      [1, 3, 4],
      [1, 2, 3, 5],
    ]);
  });

  it('needs at least two conversations', () => {
    const error = (() => {
      try {
        leaveOneConversationOut([items[0]!, items[2]!], () => 0);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(MemfabricError.is(error) && error instanceof ValidationError).toBe(true);
    expect((error as ValidationError).message).toMatch(/at least 2 conversations, got 1/);
    expect(() => leaveOneConversationOut([], () => 0)).toThrow(/got 0/);
  });
});
