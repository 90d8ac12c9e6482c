import { describe, expect, it } from 'vitest';
import { canonicalEvidenceId, EvidenceResolver, splitEvidence } from './evidence.js';

describe('LoCoMo evidence ids', () => {
  it.each([
    ['D8:6; D9:17', ['D8:6', 'D9:17']],
    ['D1:2 D1:3', ['D1:2', 'D1:3']],
    ['D1:2,D1:3', ['D1:2', 'D1:3']],
    ['  D4:1  ', ['D4:1']],
    ['', []],
  ])('splits %j into its ids', (raw, tokens) => {
    expect(splitEvidence(raw)).toEqual(tokens);
  });

  it.each([
    ['D11:26', 'D11:26'],
    ['D:11:26', 'D11:26'],
    ['D30:05', 'D30:5'],
    ['d3:007', 'D3:7'],
    ['D', undefined],
    ['D12', undefined],
    ['S1:2', undefined],
  ])('canonical form of %j is %j', (token, canonical) => {
    expect(canonicalEvidenceId(token)).toBe(canonical);
  });

  const resolver = new EvidenceResolver(['D8:6', 'D9:17', 'D11:26', 'D30:5', 'D1:1']);

  it('resolves every defect of the published file to turns, dropping and counting what names no turn', () => {
    expect(resolver.resolve(['D8:6; D9:17'])).toEqual({ turns: ['D8:6', 'D9:17'], dropped: [] });
    expect(resolver.resolve(['D:11:26', 'D30:05'])).toEqual({ turns: ['D11:26', 'D30:5'], dropped: [] });
    expect(resolver.resolve(['D', 'D10:19', 'D1:1'])).toEqual({
      turns: ['D1:1'],
      dropped: [
        { token: 'D', raw: 'D', reason: 'malformed' },
        { token: 'D10:19', raw: 'D10:19', reason: 'no-such-turn' },
      ],
    });
  });

  it('counts a repeated id once and keeps evidence order', () => {
    expect(resolver.resolve(['D9:17', 'D8:6 D9:17', 'D8:06']).turns).toEqual(['D9:17', 'D8:6']);
  });

  it('matches turn ids that are themselves unusual exactly', () => {
    const odd = new EvidenceResolver(['D01:01', 'intro']);
    expect(odd.resolve(['intro', 'D1:1', 'D01:01']).turns).toEqual(['intro', 'D01:01']);
  });
});
