import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { BUILTIN_PRESETS, DEFAULT_PRESET, DEFAULT_RRF_K, findPreset, validatePresets } from './presets.js';
import { candidateNames, lexicalQueryText, MAX_NAME_WORDS } from './query-terms.js';
import { CHANNEL_NAMES, RECALL_LIMITS } from './types.js';

describe('candidateNames', () => {
  it('the documented example: runs of 1-3 words not starting or ending with a stop word, longest first', () => {
    expect(candidateNames('When did Caroline go to the LGBTQ support group?')).toEqual([
      'LGBTQ support group',
      'LGBTQ support',
      'support group',
      'Caroline',
      'LGBTQ',
      'support',
      'group',
    ]);
  });

  it('strips possessives and trailing punctuation, keeps Unicode letters, allows a stop word inside a run', () => {
    const names = candidateNames("What is Melanie's favourite café in São Paulo?");
    expect(names).toContain('Melanie');
    expect(names).toContain('São Paulo');
    expect(names).toContain('café in São');
    expect(names).not.toContain("Melanie's");
    expect(names).not.toContain('in São Paulo');
    expect(names.every((n) => n.split(' ').length <= MAX_NAME_WORDS)).toBe(true);
  });

  it('a query of stop words only has no candidates', () => {
    expect(candidateNames('what did you do?')).toEqual([]);
    expect(candidateNames('')).toEqual([]);
  });

  it('returns at most 64 distinct candidates', () => {
    const long = Array.from({ length: 60 }, (_, i) => `Name${i}`).join(' ');
    const names = candidateNames(long);
    expect(names).toHaveLength(64);
    expect(new Set(names).size).toBe(64);
    expect(names[0]!.split(' ')).toHaveLength(3);
    expect(candidateNames('Caroline Caroline')).toEqual(['Caroline Caroline', 'Caroline']);
  });
});

describe('lexicalQueryText', () => {
  it('drops function words', () => {
    expect(lexicalQueryText('When did Caroline go to the LGBTQ support group?')).toBe('Caroline go LGBTQ support group');
    expect(lexicalQueryText("What's Melanie's dog's name?")).toBe("Melanie's dog's name");
  });

  it('keeps the whole query when only function words are left', () => {
    expect(lexicalQueryText('What is it?')).toBe('What is it?');
  });
});

describe('presets', () => {
  it('the built-in presets: hybrid-rrf is the default, every weight names a channel, RRF k = 60', () => {
    expect(BUILTIN_PRESETS.map((p) => p.name)).toEqual(['hybrid-rrf', 'hybrid-mmr', 'learned-fusion', 'dense-only', 'lexical-only', 'graph-only']);
    expect(DEFAULT_PRESET).toBe('hybrid-rrf');
    for (const preset of BUILTIN_PRESETS) {
      expect(preset.rrfK).toBe(DEFAULT_RRF_K);
      expect(Object.keys(preset.weights).every((c) => (CHANNEL_NAMES).includes(c))).toBe(true);
      // each channel fetches at least three times the default k before fusion (the engine widens it for larger k)
      expect(preset.candidates).toBeGreaterThanOrEqual(3 * RECALL_LIMITS.defaultK);
    }
    expect(findPreset(BUILTIN_PRESETS, 'dense-only').weights).toEqual({ dense: 1 });
    expect(findPreset(BUILTIN_PRESETS, 'lexical-only').weights).toEqual({ lexical: 1 });
    expect(findPreset(BUILTIN_PRESETS, 'graph-only').weights).toEqual({ graph: 1 });
    expect(findPreset(BUILTIN_PRESETS, 'hybrid-mmr').mmrLambda).toBe(0.7);
  });

  it('findPreset: an unknown name is a ValidationError at /preset listing the known names', () => {
    let caught: unknown;
    try {
      findPreset(BUILTIN_PRESETS, 'nope');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const problems = (caught as ValidationError).problems;
    expect(problems.map((p) => p.pointer)).toEqual(['/preset']);
    expect(problems[0]!.detail).toContain('hybrid-rrf, hybrid-mmr, learned-fusion, dense-only, lexical-only, graph-only');
  });
});

describe('validatePresets (ablation variants from a file)', () => {
  it('fills defaults for a minimal preset', () => {
    expect(validatePresets([{ name: 'lex-ctx', weights: { lexical: 1, context: 0.3 } }])).toEqual([
      { name: 'lex-ctx', description: '', weights: { lexical: 1, context: 0.3 }, rrfK: DEFAULT_RRF_K, mmrLambda: null, candidates: 50, options: {} },
    ]);
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      validatePresets([
        { name: 'a', weights: { sparse: 1, dense: -1 }, options: { graph: { hops: 3 }, lexical: { propagation: { seeds: 1.5, answer: 11, following: 0.2 } }, context: { seeds: 1, before: 60, after: 0 }, sparse: {} } },
        { name: 'a', weights: {} },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.pointer)).toEqual([
      '/0/weights/sparse',
      '/0/weights/dense',
      '/0/options/graph/hops',
      '/0/options/lexical/propagation/seeds',
      '/0/options/lexical/propagation/answer',
      '/0/options/lexical/propagation/preceding',
      '/0/options/context/before',
      '/0/options/sparse',
      '/1/name',
    ]);
    expect(() => validatePresets({})).toThrow(ValidationError);
  });
});
