import { apiComponentSchemas } from '@memfabric/events';
import { ACCESS_RESPONSES, BEARER_SCHEME, BEARER_SCHEME_NAME, operationAccess } from '@memfabric/ingest';

/**
 * The component schemas of the document: the recall bodies and problem details of
 * `schemas/api`, with the contract schemas they reference (the envelope's tenant id, the log
 * position), each keeping its `$id` so references by URN resolve inside the document.
 */
export function queryGatewayComponentSchemas(): Record<string, unknown> {
  return apiComponentSchemas(['RecallRequest', 'RecallResponse', 'ProblemDetails']);
}

/**
 * The query gateway's OpenAPI 3.1 document.
 * @param options.maxBodyBytes - the configured body limit, stated in the 413 response.
 */
export function buildQueryGatewayOpenApiDocument(options: { readonly maxBodyBytes: number }): Record<string, unknown> {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'memfabric query gateway', version: '0.1.0', description: 'Fused multi-channel recall with point-in-time views and explanations.' },
    paths: {
      '/v1/recall': {
        post: {
          operationId: 'recall',
          ...operationAccess('memory:read', 'body'),
          summary: 'Recall memory units: dense, lexical, graph, temporal, recency, context, speaker and session-spread channels fused by weighted RRF',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/RecallRequest' }, example: { query: 'Where does Ann live?', scope: { tenant: 'acme' }, k: 5 } } } },
          responses: {
            ...ACCESS_RESPONSES,
            '200': { description: 'Ranked hits with explanations', content: { 'application/json': { schema: { $ref: '#/components/schemas/RecallResponse' } } } },
            '400': { description: 'Invalid request: every bad field named', content: problem },
            '413': { description: `Body larger than ${options.maxBodyBytes} bytes`, content: problem },
            '415': { description: 'A body that is not application/json', content: problem },
            '503': { description: 'A read model is not ready yet (retry)', content: problem },
          },
        },
      },
      '/v1/recall/presets': {
        get: { operationId: 'recallPresets', summary: 'Fusion presets known by name', ...operationAccess('memory:read', 'none'), responses: { '200': { description: 'Presets' }, ...ACCESS_RESPONSES } },
      },
    },
    components: {
      securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_SCHEME },
      schemas: queryGatewayComponentSchemas(),
    },
  };
}
