/**
 * An in-memory stand-in for the part of Qdrant's REST API the adapter calls, with Qdrant's
 * semantics where the adapter depends on them: named dense vectors with cosine similarity,
 * sparse vectors scored by dot product with the `idf` modifier
 * (`ln(1 + (N - n + 0.5) / (n + 0.5))` over the points holding that sparse vector), filters with
 * `must` of `match` (value / any), `range` (gte / lte), `has_id` and `has_vector`, points that
 * hold any subset of the named vectors, `update_vectors` failing on a missing point, and
 * `upsert` replacing the whole point. Not a Qdrant: the real server is exercised by the
 * testcontainers suite. Only for unit tests.
 */

type Sparse = { indices: number[]; values: number[] };
type VectorValue = number[] | Sparse;

interface Point {
  vector: Record<string, VectorValue>;
  payload: Record<string, unknown>;
}

interface CollectionState {
  vectors: Record<string, { size: number; distance: string }>;
  sparse: Record<string, { modifier?: string }>;
  points: Map<string, Point>;
  payloadIndexes: Map<string, unknown>;
}

type Condition = {
  key?: string;
  match?: { value?: unknown; any?: unknown[] };
  range?: { gte?: number; lte?: number };
  has_id?: string[];
  has_vector?: string;
};
type Filter = { must?: Condition[] };

/** An HTTP error as the Qdrant client raises it (status, data.status.error). */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
    this.data = { status: { error: detail } };
  }
  readonly data: { status: { error: string } };
}

function isSparse(v: VectorValue): v is Sparse {
  return !Array.isArray(v);
}

export class FakeQdrant {
  readonly collections = new Map<string, CollectionState>();
  /** When set, the next call throws it (then it is cleared). */
  failNext?: Error;
  /** Every call made, by method name. */
  readonly calls: string[] = [];

  private col(name: string): CollectionState {
    const c = this.collections.get(name);
    if (!c) throw new FakeApiError(404, `Collection \`${name}\` doesn't exist!`);
    return c;
  }

  private enter(method: string): void {
    this.calls.push(method);
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }

  collectionExists(name: string) {
    this.enter('collectionExists');
    return Promise.resolve({ exists: this.collections.has(name) });
  }

  createCollection(name: string, args: { vectors: Record<string, { size: number; distance: string }>; sparse_vectors?: Record<string, { modifier?: string }> }) {
    this.enter('createCollection');
    if (this.collections.has(name)) throw new FakeApiError(409, `Collection \`${name}\` already exists!`);
    this.collections.set(name, { vectors: args.vectors, sparse: args.sparse_vectors ?? {}, points: new Map(), payloadIndexes: new Map() });
    return Promise.resolve(true);
  }

  getCollection(name: string) {
    this.enter('getCollection');
    const c = this.col(name);
    return Promise.resolve({ status: 'green', points_count: c.points.size, config: { params: { vectors: c.vectors, sparse_vectors: c.sparse } } });
  }

  createPayloadIndex(name: string, args: { field_name: string; field_schema: unknown }) {
    this.enter('createPayloadIndex');
    this.col(name).payloadIndexes.set(args.field_name, args.field_schema);
    return Promise.resolve({ operation_id: 0, status: 'completed' });
  }

  private checkVectors(c: CollectionState, vector: Record<string, VectorValue>): void {
    for (const [name, value] of Object.entries(vector)) {
      if (isSparse(value)) {
        if (!c.sparse[name]) throw new FakeApiError(400, `Wrong input: Not existing vector name error: ${name}`);
        if (value.indices.length !== value.values.length) throw new FakeApiError(400, 'indices and values must be the same length');
        if (new Set(value.indices).size !== value.indices.length) throw new FakeApiError(400, 'indices must be unique');
      } else {
        const config = c.vectors[name];
        if (!config) throw new FakeApiError(400, `Wrong input: Not existing vector name error: ${name}`);
        if (value.length !== config.size) throw new FakeApiError(400, `Wrong input: Vector dimension error: expected dim: ${config.size}, got ${value.length}`);
      }
    }
  }

  upsert(name: string, args: { points: { id: string; vector: Record<string, VectorValue>; payload?: Record<string, unknown> }[] }) {
    this.enter('upsert');
    const c = this.col(name);
    for (const p of args.points) this.checkVectors(c, p.vector);
    for (const p of args.points) c.points.set(p.id, { vector: structuredClone(p.vector), payload: structuredClone(p.payload ?? {}) });
    return Promise.resolve({ operation_id: 0, status: 'completed' });
  }

  batchUpdate(
    name: string,
    args: {
      operations: (
        | { upsert: { points: { id: string; vector: Record<string, VectorValue>; payload?: Record<string, unknown> }[] } }
        | { update_vectors: { points: { id: string; vector: Record<string, VectorValue> }[] } }
        | { overwrite_payload: { payload: Record<string, unknown>; points: string[] } }
      )[];
    },
  ) {
    this.enter('batchUpdate');
    const c = this.col(name);
    for (const op of args.operations) {
      if ('upsert' in op) {
        for (const p of op.upsert.points) this.checkVectors(c, p.vector);
        for (const p of op.upsert.points) c.points.set(p.id, { vector: structuredClone(p.vector), payload: structuredClone(p.payload ?? {}) });
      } else if ('update_vectors' in op) {
        for (const p of op.update_vectors.points) {
          const point = c.points.get(p.id);
          if (!point) throw new FakeApiError(404, `No point with id ${p.id} found`);
          this.checkVectors(c, p.vector);
          Object.assign(point.vector, structuredClone(p.vector));
        }
      } else {
        for (const id of op.overwrite_payload.points) {
          const point = c.points.get(id);
          if (!point) throw new FakeApiError(404, `No point with id ${id} found`);
          point.payload = structuredClone(op.overwrite_payload.payload);
        }
      }
    }
    return Promise.resolve(args.operations.map(() => ({ operation_id: 0, status: 'completed' })));
  }

  retrieve(name: string, args: { ids: string[]; with_payload?: boolean | string[] }) {
    this.enter('retrieve');
    const c = this.col(name);
    return Promise.resolve(
      args.ids.flatMap((id) => {
        const p = c.points.get(id);
        if (!p) return [];
        return [{ id, ...(args.with_payload ? { payload: structuredClone(p.payload) } : {}) }];
      }),
    );
  }

  delete(name: string, args: { points: string[] }) {
    this.enter('delete');
    const c = this.col(name);
    for (const id of args.points) c.points.delete(id);
    return Promise.resolve({ operation_id: 0, status: 'completed' });
  }

  setPayload(name: string, args: { payload: Record<string, unknown>; filter: Filter }) {
    this.enter('setPayload');
    const c = this.col(name);
    for (const [id, p] of c.points) if (this.matches(id, p, args.filter)) Object.assign(p.payload, structuredClone(args.payload));
    return Promise.resolve({ operation_id: 0, status: 'completed' });
  }

  count(name: string, args: { filter?: Filter } = {}) {
    this.enter('count');
    const c = this.col(name);
    let count = 0;
    for (const [id, p] of c.points) if (!args.filter || this.matches(id, p, args.filter)) count += 1;
    return Promise.resolve({ count });
  }

  query(name: string, args: { query: number[] | Sparse; using: string; filter?: Filter; limit: number; with_payload?: string[] }) {
    this.enter('query');
    const c = this.col(name);
    const scored: { id: string; score: number; payload: Record<string, unknown> }[] = [];
    const candidates = [...c.points].filter(([id, p]) => p.vector[args.using] !== undefined && (!args.filter || this.matches(id, p, args.filter)));
    if (Array.isArray(args.query)) {
      const q = normalize(args.query);
      for (const [id, p] of candidates) scored.push({ id, score: dot(q, normalize(p.vector[args.using] as number[])), payload: p.payload });
    } else {
      const query = args.query;
      const holders = [...c.points.values()].filter((p) => p.vector[args.using] !== undefined);
      const idf = new Map<number, number>();
      if (c.sparse[args.using]?.modifier === 'idf') {
        for (const t of query.indices) {
          const n = holders.filter((p) => (p.vector[args.using] as Sparse).indices.includes(t)).length;
          idf.set(t, Math.log(1 + (holders.length - n + 0.5) / (n + 0.5)));
        }
      }
      for (const [id, p] of candidates) {
        const doc = p.vector[args.using] as Sparse;
        let score = 0;
        let overlap = false;
        query.indices.forEach((t, i) => {
          const at = doc.indices.indexOf(t);
          if (at < 0) return;
          overlap = true;
          score += query.values[i]! * doc.values[at]! * (idf.get(t) ?? 1);
        });
        if (overlap) scored.push({ id, score, payload: p.payload });
      }
    }
    scored.sort((a, b) => b.score - a.score);
    const keys = args.with_payload ?? [];
    return Promise.resolve({
      points: scored.slice(0, args.limit).map((s) => ({ id: s.id, version: 0, score: s.score, payload: Object.fromEntries(keys.map((k) => [k, s.payload[k]])) })),
    });
  }

  private matches(id: string, p: Point, filter: Filter): boolean {
    return (filter.must ?? []).every((cond) => {
      if (cond.has_id) return cond.has_id.includes(id);
      if (cond.has_vector) return p.vector[cond.has_vector] !== undefined;
      const value = p.payload[cond.key!];
      if (value === undefined) return false;
      if (cond.match) {
        if (cond.match.any) return cond.match.any.includes(value);
        return value === cond.match.value;
      }
      if (cond.range) {
        const v = value as number;
        if (cond.range.gte !== undefined && v < cond.range.gte) return false;
        if (cond.range.lte !== undefined && v > cond.range.lte) return false;
        return true;
      }
      return false;
    });
  }
}

function normalize(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * b[i]!, 0);
}
