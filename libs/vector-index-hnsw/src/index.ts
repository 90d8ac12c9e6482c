export { SqliteVectorIndex, type SqliteVectorIndexOptions, type TenantCacheInfo } from './sqlite.vector-index.js';
export { SqliteLexicalIndex, type SqliteLexicalIndexOptions } from './sqlite.lexical-index.js';
export { DEFAULT_HNSW, type HnswParams } from './usearch-graph.js';
export type { DatabaseOrPath } from './config.js';
