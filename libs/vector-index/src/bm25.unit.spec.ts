import { describe, expect, it } from 'vitest';
import { bm25DocumentVector, bm25Idf, bm25QueryVector, bm25TermWeight, splitWords, termId, tokenize } from './bm25.js';
import { porterStem } from './porter-stemmer.js';

describe('porterStem', () => {
  // pairs from Porter (1980) and the reference vocabulary/output lists
  const pairs: [string, string][] = [
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['ties', 'ti'],
    ['caress', 'caress'],
    ['cats', 'cat'],
    ['feed', 'feed'],
    ['agreed', 'agre'],
    ['plastered', 'plaster'],
    ['bled', 'bled'],
    ['motoring', 'motor'],
    ['sing', 'sing'],
    ['conflated', 'conflat'],
    ['troubled', 'troubl'],
    ['sized', 'size'],
    ['hopping', 'hop'],
    ['tanned', 'tan'],
    ['falling', 'fall'],
    ['hissing', 'hiss'],
    ['fizzed', 'fizz'],
    ['failing', 'fail'],
    ['filing', 'file'],
    ['happy', 'happi'],
    ['sky', 'sky'],
    ['relational', 'relat'],
    ['conditional', 'condit'],
    ['rational', 'ration'],
    ['valenci', 'valenc'],
    ['digitizer', 'digit'],
    ['conformabli', 'conform'],
    ['radicalli', 'radic'],
    ['differentli', 'differ'],
    ['vileli', 'vile'],
    ['analogousli', 'analog'],
    ['vietnamization', 'vietnam'],
    ['predication', 'predic'],
    ['operator', 'oper'],
    ['feudalism', 'feudal'],
    ['decisiveness', 'decis'],
    ['hopefulness', 'hope'],
    ['callousness', 'callous'],
    ['formaliti', 'formal'],
    ['sensitiviti', 'sensit'],
    ['sensibiliti', 'sensibl'],
    ['triplicate', 'triplic'],
    ['formative', 'form'],
    ['formalize', 'formal'],
    ['electriciti', 'electr'],
    ['electrical', 'electr'],
    ['hopeful', 'hope'],
    ['goodness', 'good'],
    ['revival', 'reviv'],
    ['allowance', 'allow'],
    ['inference', 'infer'],
    ['airliner', 'airlin'],
    ['gyroscopic', 'gyroscop'],
    ['adjustable', 'adjust'],
    ['defensible', 'defens'],
    ['irritant', 'irrit'],
    ['replacement', 'replac'],
    ['adjustment', 'adjust'],
    ['dependent', 'depend'],
    ['adoption', 'adopt'],
    ['homologou', 'homolog'],
    ['communism', 'commun'],
    ['activate', 'activ'],
    ['angulariti', 'angular'],
    ['homologous', 'homolog'],
    ['effective', 'effect'],
    ['bowdlerize', 'bowdler'],
    ['probate', 'probat'],
    ['rate', 'rate'],
    ['cease', 'ceas'],
    ['controll', 'control'],
    ['roll', 'roll'],
    ['generalizations', 'gener'],
    ['oscillators', 'oscil'],
    ['agencies', 'agenc'],
    ['agency', 'agenc'],
    ['researching', 'research'],
    ['researched', 'research'],
  ];
  it.each(pairs)('%s -> %s', (word, stem) => {
    expect(porterStem(word)).toBe(stem);
  });

  it('leaves short, non-ASCII and upper-case input alone', () => {
    expect(porterStem('is')).toBe('is');
    expect(porterStem('größe')).toBe('größe');
    expect(porterStem('Running')).toBe('Running');
  });
});

describe('tokenize', () => {
  it('folds case and diacritics, splits on non-word characters and stems', () => {
    expect(tokenize('Café PÉRIGORD: researching adoption-agencies, 2023!')).toEqual(['cafe', 'perigord', 'research', 'adopt', 'agenc', '2023']);
    expect(splitWords("It's   the lake's")).toEqual(['it', 's', 'the', 'lake', 's']);
    expect(tokenize('?!...')).toEqual([]);
    expect(tokenize(`x${'a'.repeat(80)} ok`)).toEqual(['ok']);
  });
});

describe('BM25 weights', () => {
  it('saturates term frequency and normalises by length (Robertson & Zaragoza 2009)', () => {
    expect(bm25TermWeight(1, 10, 10)).toBeCloseTo(1, 10);
    expect(bm25TermWeight(2, 10, 10)).toBeCloseTo((2 * 2.2) / (2 + 1.2), 10);
    expect(bm25TermWeight(100, 10, 10)).toBeLessThan(2.2);
    expect(bm25TermWeight(1, 20, 10)).toBeLessThan(bm25TermWeight(1, 5, 10));
    expect(bm25TermWeight(1, 20, 10, { k1: 1.2, b: 0 })).toBeCloseTo(1, 10);
    expect(bm25Idf(100, 1)).toBeGreaterThan(bm25Idf(100, 50));
    expect(bm25Idf(100, 100)).toBeGreaterThan(0);
  });

  it('encodes documents and queries as sparse vectors under stable FNV-1a term ids', () => {
    expect(termId('')).toBe(0x811c9dc5);
    expect(termId('a')).toBe(0xe40c292c);
    expect(termId('foobar')).toBe(0xbf9cf968);
    const d = bm25DocumentVector('the cat and the hat', 5);
    expect(d.indices).toEqual([...d.indices].sort((a, b) => a - b));
    expect(d.indices).toHaveLength(4);
    const the = d.values[d.indices.indexOf(termId('the'))]!;
    const cat = d.values[d.indices.indexOf(termId('cat'))]!;
    expect(the).toBeGreaterThan(cat);
    const q = bm25QueryVector('Cats cat CAT hats');
    expect(q.indices).toEqual([termId('cat'), termId('hat')].sort((a, b) => a - b));
    expect(q.values).toEqual([1, 1]);
  });
});
