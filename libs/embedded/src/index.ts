export { EmbeddedFabric, type EmbeddedFabricOptions, type FabricStats, type TenantStats } from './embedded-fabric.js';
export { embedderFromEnv, type EmbedderEnv } from './embedder.config.js';
export { EmbeddedRecallBackend, type EmbeddedRecallBackendOptions } from './recall.backend.js';
