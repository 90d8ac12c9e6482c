import 'reflect-metadata';

export { createQueryGatewayApp, type CreateQueryGatewayAppOptions } from './query-gateway.app.js';
export { QueryGatewayModule, type QueryGatewayModuleOptions } from './query-gateway.module.js';
export { loadQueryGatewayConfig, readQueryGatewayConfig, QUERY_GATEWAY_DEFAULTS, type QueryGatewayConfig, type QueryGatewayEnv } from './query-gateway.config.js';
export { RECALLER, QUERY_GATEWAY_CONFIG } from './query-gateway.tokens.js';
export { CALLER_HEADER, RecallController } from './recall.controller.js';
export { buildQueryGatewayOpenApiDocument, queryGatewayComponentSchemas } from './openapi.document.js';
