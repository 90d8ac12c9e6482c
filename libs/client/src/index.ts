export * from './api-error.js';
export type * from './audit.js';
export * from './config.js';
export * from './event-builders.js';
export * from './history.js';
export * from './memfabric.client.js';
export type { CallOptions } from './http-transport.js';
export type { AppendResponse, AppendResultItem, EventBatch, HealthStatus, StreamPage } from './generated/api-types.js';
export type {
  AsOfInput,
  ChannelEvidence,
  ChannelWeights,
  ConsistencyReport,
  RecallExplain,
  RecallHit,
  RecallRequest,
  RecallResponse,
  RecallScope,
  ResolvedTimeExpression,
} from './generated/api-types.js';
