import 'reflect-metadata';

export { createIngestApp, type CreateIngestAppOptions } from './ingest.app.js';
export { IngestModule, type IngestModuleOptions } from './ingest.module.js';
export {
  INGEST_DEFAULTS,
  INGEST_LOG_LEVELS,
  MAX_BODY_BYTES_CEILING,
  ingestBind,
  loadIngestConfig,
  readIngestConfig,
  type IngestConfig,
  type IngestEnv,
  type IngestLogLevel,
} from './ingest.config.js';
export { configurationError, configurationProblems, readWith, type ConfigReading } from './config-reading.js';
export { startIngest, type RunningIngest, type StartIngestOptions } from './ingest.server.js';
export { EVENT_LOG, INGEST_CONFIG, INGEST_LOGGER } from './ingest.tokens.js';
export { createIngestLogger, PinoNestLogger, serviceLogger, type IngestLogger } from './ingest.logger.js';
export { IngestService, BATCH_ID_HEADER, STREAM_PAGE_LIMITS } from './ingest.service.js';
export { BATCH_MEDIA_TYPES, jsonBodyParser, MAX_BODY_DEPTH, type JsonBodyParserOptions } from './json-body.middleware.js';
export { EVENT_MEDIA_TYPE } from './events.controller.js';
export { READINESS_TIMEOUT_MS } from './health.controller.js';
export { REQUEST_ID_HEADER, routeLogger } from './request-log.middleware.js';
export { decodeConsistencyToken, encodeConsistencyToken } from '@memfabric/event-log';
export { mergeOpenApiDocuments, type MergedOpenApiInfo, type OpenApiPart } from './openapi.merge.js';
export { buildOpenApiDocument, INGEST_API_VERSION, type JsonSchema, type OpenApiDocument, type OpenApiOptions } from './openapi.document.js';
export { ProblemDetailsFilter } from './problem-details.filter.js';
export {
  PROBLEM_MEDIA_TYPE,
  PROBLEM_TYPE_PREFIX,
  toProblemDetails,
  type HttpProblemCode,
  type ProblemCode,
} from './problem-details.js';
export type { AppendResponse, AppendResultItem, EventBatch, HealthStatus, ProblemDetails, StreamPage } from '@memfabric/events';
export { apiSchemas } from '@memfabric/events';
export * from './security/index.js';
export { securedApp } from './secured-app.js';
export { READINESS_CHECK_TIMEOUT_MS, ServiceHealthModule, type ReadinessCheck } from './service-health.module.js';
export { serviceMain, type RunningService, type ServiceMainOptions } from './service-main.js';
