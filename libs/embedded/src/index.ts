export { EMBEDDING_CACHE_FILE, EmbeddedFabric, type EmbeddedFabricOptions, type FabricStats, type TenantStats } from './embedded-fabric.js';
export {
  defaultEmbeddingWorkers,
  defaultExtractionWorkers,
  embedderFromEnv,
  embeddingCacheFromEnv,
  embeddingWorkersFromEnv,
  extractionWorkersFromEnv,
  extractorFromEnv,
  MAX_EMBEDDING_WORKERS,
  modelEmbedderFromEnv,
  pooledModelEmbedderFromEnv,
  type EmbedderEnv,
  type EmbeddingCacheSetting,
} from './embedder.config.js';
export { EmbeddedRecallBackend, type EmbeddedRecallBackendOptions } from './recall.backend.js';
