/**
 * Seeded pseudo-random numbers for reproducible corpora: the same seed gives the same corpus on
 * every machine and Node version (no `Math.random`, no platform-dependent floating point beyond
 * IEEE 754 doubles).
 */
import { ValidationError } from '@memfabric/errors';

/**
 * Mixes 32-bit values into one well-scrambled 32-bit seed: each value is folded in with the
 * MurmurHash3 `fmix32` finaliser (Appleby, MurmurHash3, 2011), so seeds that differ in one bit
 * (tenant 7 vs tenant 8) give unrelated streams.
 * @param values - integers; only their low 32 bits count.
 * @returns an unsigned 32-bit integer.
 */
export function mixSeed(...values: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * A small, fast, seeded generator: Mulberry32 (Tommy Ettinger, 2017, public domain), a 32-bit
 * state with a period of 2^32, plenty for picking words. Not for cryptography.
 */
export class Prng {
  private state: number;

  /** @param seed - any integer; only its low 32 bits count. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n); `n` must be a positive integer. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max], both inclusive. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/**
 * Samples indexes 0..n-1 with probability proportional to a weight per index, by binary search
 * over the cumulative weights (O(log n) per draw).
 */
export class WeightedTable {
  private readonly cumulative: Float64Array;

  /**
   * @param weights - non-negative weights, at least one positive.
   * @throws ValidationError when no weight is positive or one is negative or not finite.
   */
  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      if (!Number.isFinite(w) || w < 0) {
        throw new ValidationError(`weight ${i} must be a finite number >= 0, got ${w}`, [{ pointer: `/weights/${i}`, detail: 'must be a finite number >= 0' }]);
      }
      sum += w;
      this.cumulative[i] = sum;
    });
    if (!(sum > 0)) {
      throw new ValidationError('a weighted table needs at least one positive weight', [{ pointer: '/weights', detail: 'needs a positive weight' }]);
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.cumulative.length;
  }

  /** Index drawn with probability weight[i] / sum of weights. */
  sample(random: Prng): number {
    const total = this.cumulative[this.cumulative.length - 1]!;
    const u = random.float() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * Zipf's law over ranks 1..n: P(rank r) ∝ 1 / r^s (Zipf, "Human Behavior and the Principle of
 * Least Effort", 1949; s ≈ 1 for word frequencies in English text). Lists passed to
 * {@link ZipfPicker} are ordered most frequent first.
 * @param n - number of ranks (≥ 1).
 * @param s - exponent (> 0); 1.0 is the classic law.
 */
export function zipfTable(n: number, s = 1): WeightedTable {
  return new WeightedTable(Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s)));
}

/** Picks items of a list with Zipf-like frequencies: the first item most often. */
export class ZipfPicker<T> {
  private readonly table: WeightedTable;

  /**
   * @param items - non-empty list, most frequent first.
   * @param s - Zipf exponent; default 1.
   */
  constructor(
    readonly items: readonly T[],
    s = 1,
  ) {
    this.table = zipfTable(items.length, s);
  }

  /** One item. */
  pick(random: Prng): T {
    return this.items[this.table.sample(random)]!;
  }
}
