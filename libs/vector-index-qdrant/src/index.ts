export { QdrantIndexes, QdrantVectorIndex, QdrantLexicalIndex, PAYLOAD_INDEXES } from './qdrant.indexes.js';
export { resolveQdrantConfig, type QdrantApi, type QdrantIndexConfig, type QdrantBm25Config, type ResolvedQdrantConfig } from './config.js';
export { QdrantRequestError, translateQdrantError } from './errors.js';
export { pointId, uuidV5, POINT_ID_NAMESPACE, MODEL_POINT_ID } from './point-id.js';
export { FIELDS, toQdrantFilter, type QdrantFilter, type QdrantCondition, type UnitPointPayload } from './filter.js';
