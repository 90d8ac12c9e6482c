import { tokenize, termId } from '../bm25.js';
import type { EmbeddingModelRef, LexicalDoc, UnitPayload, VectorPoint } from '../types.js';

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueTenant(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A random UUID (v4), as unit ids are event UUIDs. */
export function unitId(): string {
  return globalThis.crypto.randomUUID();
}

/** The model the contract suites use: 32-d feature-hashing vectors ({@link hashVector}). */
export const TEST_MODEL: EmbeddingModelRef = { id: 'test-hash-32', dimension: 32 };

/**
 * A deterministic stand-in for a sentence embedding: feature hashing of the text's terms
 * (Weinberger et al., "Feature Hashing for Large Scale Multitask Learning", ICML 2009) into
 * `dimension` signed buckets, L2-normalised. Texts sharing words get similar vectors, so
 * ranking tests read naturally; a text without words hashes as one token.
 */
export function hashVector(text: string, dimension = TEST_MODEL.dimension): Float32Array {
  const v = new Float32Array(dimension);
  const terms = tokenize(text);
  for (const term of terms.length > 0 ? terms : [text]) {
    const h = termId(term);
    v[h % dimension] = v[h % dimension]! + ((h >>> 16) & 1 ? 1 : -1);
    const h2 = termId(`${term}#2`);
    v[h2 % dimension] = v[h2 % dimension]! + ((h2 >>> 16) & 1 ? 0.5 : -0.5);
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) v[0] = 1;
  else for (let i = 0; i < dimension; i++) v[i] = v[i]! / Math.sqrt(norm);
  return v;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random unit vector (uniform on the sphere) from a seeded PRNG. */
export function randomUnitVector(random: () => number, dimension = TEST_MODEL.dimension): Float32Array {
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    v[i] = g;
    norm += g * g;
  }
  for (let i = 0; i < dimension; i++) v[i] = v[i]! / Math.sqrt(norm);
  return v;
}

/** World time of the fixtures' first unit: 2023-05-08T13:56:00Z, in ms. */
export const BASE_TIME = Date.UTC(2023, 4, 8, 13, 56);

/** A lexical document (payload) with overridable fields; `id` is a fresh UUID. */
export function doc(tenant: string, text: string, overrides: Partial<UnitPayload> = {}): LexicalDoc {
  return {
    id: unitId(),
    tenant,
    stream: 'session_1',
    actor: 'caroline',
    worldTime: BASE_TIME,
    txTime: BASE_TIME + 60_000,
    offset: 0,
    status: 'active',
    text,
    ...overrides,
  };
}

/** A vector point whose vector is `hashVector(text)` unless given. */
export function point(
  tenant: string,
  text: string,
  overrides: Partial<VectorPoint> = {},
  model: EmbeddingModelRef = TEST_MODEL,
): VectorPoint {
  return { ...doc(tenant, text), vector: hashVector(text, model.dimension), modelId: model.id, ...overrides };
}
