export * from './api-error.js';
export * from './config.js';
export * from './event-builders.js';
export * from './history.js';
export * from './memfabric.client.js';
export type { CallOptions } from './http-transport.js';
export type { AppendResponse, AppendResultItem, EventBatch, HealthStatus, StreamPage } from '@memfabric/events';
export type { RecallRequest, RecallResponse, RecallHit, RecallScope, AsOfInput, ChannelName, RecallExplain, ChannelEvidence } from '@memfabric/recall';
