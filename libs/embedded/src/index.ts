export { EmbeddedFabric, type EmbeddedFabricOptions, type FabricStats, type TenantStats } from './embedded-fabric.js';
export { analyticsProjection, ANALYTICS_PROJECTION } from './analytics.projection.js';
export { extractionProcessor, factsKey, EXTRACTION_PROCESSOR } from './extraction.processor.js';
export { graphProjection, openGraphStore, GRAPH_PROJECTION } from './graph.projection.js';
export { vectorProjection, VECTOR_PROJECTION, type GenerationIndexes, type VectorProjection } from './vector.projection.js';
export { embedderFromEnv, type EmbedderEnv } from './embedder.config.js';
export { EmbeddedRecallBackend, type EmbeddedRecallBackendOptions } from './recall.backend.js';
export * from './audit-actions.js';
