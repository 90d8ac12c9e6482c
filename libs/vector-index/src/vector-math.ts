import type { SearchHit } from './types.js';

/**
 * Returns a unit-length (L2) copy of `vector`. Cosine similarity of unit vectors is their dot
 * product, so every index stores and queries normalised vectors.
 * @throws RangeError on the zero vector.
 */
export function normalizeVector(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (norm === 0) throw new RangeError('cannot normalise the zero vector');
  const scale = 1 / Math.sqrt(norm);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}

/**
 * Dot product of `a` and the row of `matrix` starting at `offset` (floats), over `a.length`
 * floats. With unit vectors this is the cosine similarity.
 */
export function dotAt(a: Float32Array, matrix: Float32Array, offset = 0): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * matrix[offset + i]!;
    s1 += a[i + 1]! * matrix[offset + i + 1]!;
    s2 += a[i + 2]! * matrix[offset + i + 2]!;
    s3 += a[i + 3]! * matrix[offset + i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * matrix[offset + i]!;
  return s0 + s1 + s2 + s3;
}

/** Orders hits by score descending, then id ascending (a total, deterministic order). */
export function compareHits(a: { id: string; score: number }, b: { id: string; score: number }): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Keeps the `k` best `(id, score)` pairs seen, in a binary min-heap (O(n log k) for n offers).
 * Ties are broken by id so results are deterministic.
 */
export class TopK {
  private readonly heap: { id: string; score: number }[] = [];

  constructor(readonly k: number) {}

  /** Offers one candidate; returns nothing. */
  offer(id: string, score: number): void {
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push({ id, score });
      this.up(heap.length - 1);
    } else if (compareHits({ id, score }, heap[0]!) < 0) {
      heap[0] = { id, score };
      this.down(0);
    }
  }

  /** The lowest score kept, or -Infinity while fewer than `k` are kept. */
  get threshold(): number {
    return this.heap.length < this.k ? -Infinity : this.heap[0]!.score;
  }

  get size(): number {
    return this.heap.length;
  }

  /** The kept candidates as ranked hits (rank 1 first). */
  hits(): SearchHit[] {
    return rankHits(this.heap);
  }

  // the root holds the worst kept candidate: "worse" = compareHits(x, y) > 0
  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareHits(heap[i]!, heap[parent]!) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && compareHits(heap[l]!, heap[worst]!) > 0) worst = l;
      if (r < heap.length && compareHits(heap[r]!, heap[worst]!) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  }
}

/** Sorts `(id, score)` pairs best first ({@link compareHits}) and numbers them from rank 1. */
export function rankHits(candidates: readonly { id: string; score: number }[]): SearchHit[] {
  return [...candidates].sort(compareHits).map((c, i) => ({ id: c.id, score: c.score, rank: i + 1 }));
}
