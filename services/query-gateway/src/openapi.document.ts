import { ACCESS_RESPONSES, apiSchemas, BEARER_SCHEME, BEARER_SCHEME_NAME, operationAccess } from '@memfabric/ingest';
import { CHANNEL_NAMES, RECALL_LIMITS } from '@memfabric/recall';

/** A JSON Schema (2020-12) object. */
type Schema = Record<string, unknown>;

const rfc3339: Schema = { type: 'string', format: 'date-time' };
const strings = (max: number): Schema => ({ type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, minItems: 1, maxItems: max });
const channelMap = (value: Schema): Schema => ({ type: 'object', additionalProperties: false, properties: Object.fromEntries(CHANNEL_NAMES.map((c) => [c, value])) });

/** JSON Schema of `RecallRequest` (the source of truth is `validateRecallRequest`). */
export const recallRequestSchema: Schema = {
  type: 'object',
  required: ['query', 'scope'],
  properties: {
    query: { type: 'string', minLength: 1, maxLength: RECALL_LIMITS.maxQueryChars },
    scope: {
      type: 'object',
      required: ['tenant'],
      properties: {
        tenant: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
        agents: strings(RECALL_LIMITS.maxScopeValues),
        streams: strings(RECALL_LIMITS.maxScopeValues),
        actors: strings(RECALL_LIMITS.maxScopeValues),
      },
    },
    k: { type: 'integer', minimum: 1, maximum: RECALL_LIMITS.maxK, default: RECALL_LIMITS.defaultK },
    asOf: {
      oneOf: [
        { type: 'object', required: ['position'], properties: { position: { type: 'integer', minimum: 0 } }, additionalProperties: false },
        { type: 'object', required: ['time'], properties: { time: rfc3339 }, additionalProperties: false },
      ],
      description: 'Transaction time: what the fabric knew at this log position (inclusive) or time.',
    },
    validAt: { ...rfc3339, description: 'World time: what was true then.' },
    referenceTime: { ...rfc3339, description: "Reference for the query's time expressions (default now)." },
    consistencyToken: { type: 'string', description: 'Token a write returned: wait until the projections used have reached it.' },
    consistencyTimeoutMs: { type: 'integer', minimum: 0, maximum: RECALL_LIMITS.maxConsistencyTimeoutMs, default: RECALL_LIMITS.defaultConsistencyTimeoutMs },
    preset: { type: 'string', default: 'hybrid-rrf' },
    weights: channelMap({ type: 'number', minimum: 0, maximum: 100 }),
    mmrLambda: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    caller: { type: 'string', minLength: 1, maxLength: 256 },
  },
};

const evidence: Schema = {
  type: 'object',
  properties: { rank: { type: 'integer' }, score: { type: 'number' }, weight: { type: 'number' }, contribution: { type: 'number' } },
};

/** JSON Schema of `RecallResponse`. */
export const recallResponseSchema: Schema = {
  type: 'object',
  required: ['hits', 'preset', 'weights', 'consistency', 'asOfPosition', 'validAt', 'timeExpressions', 'timings', 'queryId'],
  properties: {
    hits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rank', 'unitId', 'text', 'tenant', 'stream', 'actor', 'time', 'recordedAt', 'position', 'score', 'explain'],
        properties: {
          rank: { type: 'integer' },
          unitId: { type: 'string', format: 'uuid' },
          text: { type: 'string' },
          tenant: { type: 'string' },
          stream: { type: 'string' },
          actor: { type: 'string' },
          speaker: { type: ['string', 'null'] },
          memoryType: { type: ['string', 'null'] },
          time: rfc3339,
          validFrom: { type: ['string', 'null'] },
          validTo: { type: ['string', 'null'] },
          recordedAt: rfc3339,
          position: { type: 'object', properties: { partition: { type: 'integer' }, offset: { type: 'integer' } } },
          sourceRef: { type: ['string', 'null'] },
          score: { type: 'number', description: 'Weighted RRF score.' },
          explain: {
            type: 'object',
            required: ['channels', 'events'],
            properties: {
              channels: channelMap(evidence),
              entities: { type: 'array', items: { type: 'string' } },
              expandedFrom: { type: 'string' },
              events: { type: 'array', items: { type: 'string' } },
              fusedRank: { type: 'integer' },
            },
          },
        },
      },
    },
    preset: { type: 'string' },
    weights: channelMap({ type: 'number' }),
    consistency: {
      type: 'object',
      properties: { requested: { type: 'boolean' }, reached: { type: 'boolean' }, waitedMs: { type: 'number' }, behind: { type: 'array', items: { type: 'string' } } },
    },
    asOfPosition: { type: ['integer', 'null'] },
    validAt: { type: ['string', 'null'] },
    timeExpressions: { type: 'array', items: { type: 'object', properties: { text: { type: 'string' }, from: rfc3339, to: rfc3339 } } },
    timings: { type: 'object', properties: { totalMs: { type: 'number' }, channels: channelMap({ type: 'number' }) } },
    queryId: { type: 'string' },
  },
};

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
          summary: 'Recall memory units: dense, lexical, graph, temporal, recency and context channels fused by weighted RRF',
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
      schemas: {
        RecallRequest: recallRequestSchema,
        RecallResponse: recallResponseSchema,
        // the one problem details schema of every memfabric document (schemas/api), so merged documents share it
        ProblemDetails: Object.fromEntries(Object.entries(apiSchemas.ProblemDetails).filter(([k]) => k !== '$schema')),
      },
    },
  };
}
