import { IndexClosedError } from './errors.js';
import { bm25Idf, bm25TermWeight, DEFAULT_BM25, termFrequencies, tokenize, type Bm25Params } from './bm25.js';
import { matchesFilter } from './filter.js';
import type { LexicalIndex } from './port.js';
import type { LexicalDoc, LexicalQuery, SearchHit, UnitStatus } from './types.js';
import { prepareDocs, prepareIds, prepareLexicalQuery, prepareTenant } from './validation.js';
import { TopK } from './vector-math.js';

interface IndexedDoc {
  doc: LexicalDoc;
  tf: Map<string, number>;
  length: number;
}

interface TenantIndex {
  docs: Map<string, IndexedDoc>;
  /** term -> ids of the tenant's documents containing it */
  postings: Map<string, Set<string>>;
  totalLength: number;
}


/**
 * BM25 over an in-memory inverted index per tenant (Robertson & Zaragoza 2009, with
 * {@link bm25Idf}); collection statistics (N, document frequencies, average length) are the
 * tenant's own, over all its documents whatever their status. The reference implementation of
 * {@link LexicalIndex} for tests and small embedded uses. Pure: no I/O, nothing persisted.
 */
export class InMemoryLexicalIndex implements LexicalIndex {
  private readonly tenants = new Map<string, TenantIndex>();
  private closed = false;

  constructor(private readonly params: Bm25Params = DEFAULT_BM25) {}

  upsert(docs: readonly LexicalDoc[]): Promise<void> {
    return this.run(() => {
      for (const doc of prepareDocs(docs)) {
        let tenant = this.tenants.get(doc.tenant);
        if (!tenant) this.tenants.set(doc.tenant, (tenant = { docs: new Map(), postings: new Map(), totalLength: 0 }));
        this.remove(tenant, doc.id);
        const terms = tokenize(doc.text);
        const tf = termFrequencies(terms);
        tenant.docs.set(doc.id, { doc, tf, length: terms.length });
        tenant.totalLength += terms.length;
        for (const term of tf.keys()) {
          let ids = tenant.postings.get(term);
          if (!ids) tenant.postings.set(term, (ids = new Set()));
          ids.add(doc.id);
        }
      }
    });
  }

  delete(tenant: string, ids: readonly string[]): Promise<void> {
    return this.run(() => {
      const unique = prepareIds(tenant, ids);
      const index = this.tenants.get(tenant);
      if (!index) return;
      for (const id of unique) this.remove(index, id);
      if (index.docs.size === 0) this.tenants.delete(tenant);
    });
  }

  setStatus(tenant: string, ids: readonly string[], status: UnitStatus): Promise<void> {
    return this.run(() => {
      const unique = prepareIds(tenant, ids, { value: status });
      const index = this.tenants.get(tenant);
      if (!index) return;
      for (const id of unique) {
        const entry = index.docs.get(id);
        if (entry) entry.doc = { ...entry.doc, status };
      }
    });
  }

  search(query: LexicalQuery): Promise<SearchHit[]> {
    return this.run(() => {
      const q = prepareLexicalQuery(query);
      const index = this.tenants.get(q.tenant);
      if (!index) return [];
      const terms = [...new Set(tokenize(q.text))];
      const n = index.docs.size;
      const avgdl = index.totalLength / n || 1;
      const scores = new Map<string, number>();
      for (const term of terms) {
        const ids = index.postings.get(term);
        if (!ids) continue;
        const idf = bm25Idf(n, ids.size);
        for (const id of ids) {
          const entry = index.docs.get(id)!;
          const w = bm25TermWeight(entry.tf.get(term)!, entry.length, avgdl, this.params);
          scores.set(id, (scores.get(id) ?? 0) + idf * w);
        }
      }
      const top = new TopK(q.k);
      for (const [id, score] of scores) {
        if (matchesFilter(index.docs.get(id)!.doc, q.filter)) top.offer(id, score);
      }
      return top.hits();
    });
  }

  count(tenant: string): Promise<number> {
    return this.run(() => this.tenants.get(prepareTenant(tenant))?.docs.size ?? 0);
  }

  close(): Promise<void> {
    this.closed = true;
    this.tenants.clear();
    return Promise.resolve();
  }

  private remove(index: TenantIndex, id: string): void {
    const entry = index.docs.get(id);
    if (!entry) return;
    index.docs.delete(id);
    index.totalLength -= entry.length;
    for (const term of entry.tf.keys()) {
      const ids = index.postings.get(term);
      ids?.delete(id);
      if (ids?.size === 0) index.postings.delete(term);
    }
  }

  private run<T>(body: () => T): Promise<T> {
    try {
      if (this.closed) throw new IndexClosedError('InMemoryLexicalIndex is closed');
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
