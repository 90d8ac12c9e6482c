import { porterStem } from './porter-stemmer.js';

/**
 * BM25 pieces shared by the lexical adapters: the tokenizer, the term-frequency saturation
 * and IDF of Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond",
 * Foundations and Trends in Information Retrieval 3(4), 2009 (eq. 3.15 with the
 * non-negative IDF of Lucene), and the sparse-vector encoding used where the server computes
 * IDF itself (Qdrant's `modifier: idf`).
 */

/** BM25 free parameters. */
export interface Bm25Params {
  /** Term-frequency saturation, usually 1.2..2.0. Default 1.2. */
  readonly k1: number;
  /** Length normalisation, 0 (none) .. 1 (full). Default 0.75. */
  readonly b: number;
}

/** k1 = 1.2, b = 0.75 (Robertson & Zaragoza 2009, section 3.4; also SQLite FTS5's bm25()). */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

/** Longest token kept, in characters (longer runs are usually encoded data, not words). */
export const MAX_TOKEN_LENGTH = 64;

/**
 * Splits text into index terms: NFKD with combining marks removed (diacritics folded),
 * lower case, maximal runs of Unicode letters and digits (like SQLite FTS5's `unicode61`
 * tokenizer), then Porter stemming of ASCII words ({@link porterStem}). Tokens longer than
 * {@link MAX_TOKEN_LENGTH} are dropped.
 * @returns terms in text order, repeats kept.
 */
export function tokenize(text: string): string[] {
  return splitWords(text).map(porterStem);
}

/**
 * The first half of {@link tokenize}: folded, lower-case words without stemming (what a
 * backend with its own stemmer, such as FTS5's `porter` tokenizer, should be given).
 */
export function splitWords(text: string): string[] {
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  const out: string[] = [];
  for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (match[0].length <= MAX_TOKEN_LENGTH) out.push(match[0]);
  }
  return out;
}

/** Term frequencies of a token list. */
export function termFrequencies(terms: readonly string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}

/**
 * The BM25 term-frequency component: `tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))`.
 * @param tf - occurrences of the term in the document (> 0).
 * @param docLength - document length in terms.
 * @param avgDocLength - average document length in terms (> 0).
 */
export function bm25TermWeight(tf: number, docLength: number, avgDocLength: number, params: Bm25Params = DEFAULT_BM25): number {
  const norm = 1 - params.b + (params.b * docLength) / avgDocLength;
  return (tf * (params.k1 + 1)) / (tf + params.k1 * norm);
}

/**
 * Inverse document frequency `ln(1 + (N - n + 0.5) / (n + 0.5))` (non-negative; the form
 * Lucene and Qdrant's `idf` modifier use).
 * @param docCount - N, documents in the collection.
 * @param docFreq - n, documents containing the term.
 */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

/**
 * A stable 32-bit term id: FNV-1a over the term's UTF-8 bytes (Fowler, Noll & Vo; IETF draft
 * draft-eastlake-fnv). Independent of vocabulary and process, so sparse vectors written by
 * any writer agree; distinct terms collide with probability ~n²/2³³.
 */
export function termId(term: string): number {
  let hash = 0x811c9dc5;
  const bytes = new TextEncoder().encode(term);
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A sparse vector: parallel arrays of term ids (ascending, unique) and weights. */
export interface SparseVector {
  readonly indices: number[];
  readonly values: number[];
}

function toSparse(weights: Map<number, number>): SparseVector {
  const indices = [...weights.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => weights.get(i)!) };
}

/**
 * The document side of BM25 as a sparse vector: for each term, its saturated and
 * length-normalised frequency ({@link bm25TermWeight}) under {@link termId}. Multiplied by the
 * IDF the server keeps (Qdrant `modifier: idf`) and summed over the query's terms this is the
 * BM25 score. `avgDocLength` is fixed by configuration because a sparse vector is written once.
 */
export function bm25DocumentVector(text: string, avgDocLength: number, params: Bm25Params = DEFAULT_BM25): SparseVector {
  const terms = tokenize(text);
  const tf = new Map<number, number>();
  for (const t of terms) {
    const id = termId(t);
    tf.set(id, (tf.get(id) ?? 0) + 1);
  }
  const weights = new Map<number, number>();
  for (const [id, f] of tf) weights.set(id, bm25TermWeight(f, terms.length, avgDocLength, params));
  return toSparse(weights);
}

/** The query side: weight 1 per distinct term (IDF is applied by the server). */
export function bm25QueryVector(text: string): SparseVector {
  const weights = new Map<number, number>();
  for (const t of tokenize(text)) weights.set(termId(t), 1);
  return toSparse(weights);
}
