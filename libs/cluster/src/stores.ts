import { QdrantClient } from '@qdrant/js-client-rest';
import type { AnalyticsStore } from '@memfabric/analytics';
import { ConfigurationError } from '@memfabric/errors';
import { ClickHouseAnalyticsStore, type ClickHouseAnalyticsConfig } from '@memfabric/analytics-clickhouse';
import type { EmbeddingModelRef } from '@memfabric/vector-index';
import { ExactVectorIndex, InMemoryLexicalIndex } from '@memfabric/vector-index';
import { InMemoryGraphStore, type GraphStore } from '@memfabric/graph-store';
import { Neo4jGraphStore, type Neo4jGraphStoreConfig } from '@memfabric/graph-store-neo4j';
import { QdrantIndexes } from '@memfabric/vector-index-qdrant';
import type { VectorGenerationStores } from '@memfabric/read-models';
import type { ReadSideStores } from './read-side.js';

/** Opens each generation's stores once and closes them together. */
class GenerationCache<T> {
  private readonly opened = new Map<number, Promise<T>>();

  constructor(
    private readonly openOne: (generation: number) => Promise<T>,
    private readonly closeOne: (store: T) => Promise<void>,
  ) {}

  get(generation: number): Promise<T> {
    let store = this.opened.get(generation);
    if (!store) {
      store = this.openOne(generation);
      store.catch(() => this.opened.delete(generation));
      this.opened.set(generation, store);
    }
    return store;
  }

  async forget(generation: number): Promise<void> {
    const store = this.opened.get(generation);
    this.opened.delete(generation);
    if (store) await this.closeOne(await store);
  }

  async closeAll(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    for (const store of await Promise.allSettled(all)) if (store.status === 'fulfilled') await this.closeOne(store.value);
  }
}

/**
 * The read side on in-memory stores (`ExactVectorIndex`, `InMemoryLexicalIndex`,
 * `InMemoryGraphStore`, and the given analytics store): for tests and for trying the cluster
 * wiring without servers. Nothing survives the process.
 */
export function inMemoryStores(model: EmbeddingModelRef, analytics: AnalyticsStore): ReadSideStores {
  const vectors = new GenerationCache<VectorGenerationStores>(
    (_generation) => Promise.resolve({ vectors: new ExactVectorIndex({ model }), lexical: new InMemoryLexicalIndex() }),
    async (s) => {
      await s.vectors.close();
      await s.lexical.close();
    },
  );
  const graphs = new GenerationCache<GraphStore>(
    () => Promise.resolve(new InMemoryGraphStore()),
    (g) => g.close(),
  );
  return {
    vectors: (g) => vectors.get(g),
    dropVectors: (g) => vectors.forget(g),
    graph: (g) => graphs.get(g),
    dropGraph: (g) => graphs.forget(g),
    analytics,
    close: async () => {
      await vectors.closeAll();
      await graphs.closeAll();
      await analytics.close();
    },
  };
}

/** Where the server read models live; a read model without its entry has no server store here. */
export interface ServerStoresConfig {
  readonly qdrant?: {
    readonly url: string;
    readonly apiKey?: string;
    /** Collection name prefix; generation N writes `<prefix>_g<N>`. Default `memfabric_units`. */
    readonly collectionPrefix?: string;
  };
  /**
   * Neo4j. Generation 1 writes `database` (default: the server's default database); a rebuild
   * into generation N writes the database `<database>-g<N>`, which must exist (Neo4j Enterprise
   * or Aura: one database per generation).
   */
  readonly neo4j?: Neo4jGraphStoreConfig & { readonly database?: string };
  readonly clickhouse?: ClickHouseAnalyticsConfig;
  /** The embedding model recorded in each Qdrant collection. */
  readonly model: EmbeddingModelRef;
}

function notConfigured(what: string): never {
  throw new ConfigurationError(`no ${what} server is configured in this process`);
}

/**
 * The read side on the server adapters: Qdrant (one collection per vector generation, dense and
 * sparse BM25 vectors in the same points), Neo4j (one database per graph generation) and
 * ClickHouse (analytics and the query log), each only when configured. Connections are opened on
 * first use; `migrate` runs on the ClickHouse tables before the stores are returned.
 * @throws ConfigurationError from the adapters for an invalid URL or option, or when a read model
 *   without a configured server asks for its store.
 * @throws UnavailableError when ClickHouse cannot be reached (retriable).
 */
export async function serverStores(config: ServerStoresConfig): Promise<ReadSideStores> {
  const prefix = config.qdrant?.collectionPrefix ?? 'memfabric_units';
  const collection = (g: number) => `${prefix}_g${g}`;
  const qdrant = config.qdrant;
  const qdrantAuth = qdrant ? { url: qdrant.url, ...(qdrant.apiKey === undefined ? {} : { apiKey: qdrant.apiKey }) } : undefined;
  const vectors = new GenerationCache<VectorGenerationStores & { indexes: QdrantIndexes }>(
    async (g) => {
      if (!qdrantAuth) notConfigured('Qdrant (vector store)');
      const indexes = await QdrantIndexes.open({ ...qdrantAuth, collection: collection(g), model: config.model });
      return { indexes, vectors: indexes.vector, lexical: indexes.lexical, lexicalWrittenByVectors: true };
    },
    (s) => s.indexes.close(),
  );
  const neo4j = config.neo4j;
  const graphs = new GenerationCache<GraphStore>(
    (g) => {
      if (!neo4j) notConfigured('Neo4j (graph store)');
      const base = neo4j.database;
      const database = g === 1 ? base : `${base ?? 'neo4j'}-g${g}`;
      return Neo4jGraphStore.start({ ...neo4j, ...(database === undefined ? {} : { database }) });
    },
    (s) => s.close(),
  );
  let analytics: ClickHouseAnalyticsStore | undefined;
  if (config.clickhouse) {
    analytics = new ClickHouseAnalyticsStore(config.clickhouse);
    try {
      await analytics.migrate();
    } catch (error) {
      await analytics.close();
      throw error;
    }
  }
  return {
    vectors: (g) => vectors.get(g),
    dropVectors: async (g) => {
      await vectors.forget(g);
      if (qdrantAuth) await new QdrantClient({ ...qdrantAuth, checkCompatibility: false }).deleteCollection(collection(g));
    },
    graph: (g) => graphs.get(g),
    dropGraph: (g) => graphs.forget(g),
    ...(analytics ? { analytics } : {}),
    close: async () => {
      await vectors.closeAll();
      await graphs.closeAll();
      await analytics?.close();
    },
  };
}
