import { apiSchemas, EVENT_LIMITS, schemas, type ApiBodyName } from '@memfabric/events';
import { BATCH_ID_HEADER, STREAM_PAGE_LIMITS } from './ingest.service.js';
import { BATCH_MEDIA_TYPES } from './json-body.middleware.js';
import { PROBLEM_MEDIA_TYPE } from './problem-details.js';
import { ACCESS_RESPONSES, BEARER_SCHEME, BEARER_SCHEME_NAME, operationAccess, PUBLIC_OPERATION } from './security/openapi-security.js';

/** Version of the ingest HTTP API described by the document. */
export const INGEST_API_VERSION = '0.1.0';

/** A JSON Schema 2020-12 object as embedded in the document. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The parts of an OpenAPI 3.1 document this service produces. */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly jsonSchemaDialect: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly responses: Readonly<Record<string, unknown>>;
    readonly securitySchemes: Readonly<Record<string, unknown>>;
  };
}

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiOptions {
  /** Request body limit in bytes, stated in the append operation. */
  readonly maxBodyBytes: number;
}

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Example append body of the document (one interaction of tenant `acme`). */
export const APPEND_EXAMPLE = [
  {
    source: 'urn:agent:support-bot',
    type: 'interaction.recorded',
    time: '2024-03-01T12:00:00Z',
    tenantid: 'acme',
    streamid: 'session-1',
    actor: 'ann',
    data: { kind: 'message', role: 'user', content: 'I moved to Lisbon last spring and I am learning Portuguese.' },
  },
];

/** A schema without its `$schema` keyword: the document declares the dialect once. */
function embed(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

function response(name: string): JsonSchema {
  return { $ref: `#/components/responses/${name}` };
}

function problem(description: string): unknown {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: ref('ProblemDetails') } } };
}

/** The API bodies of `schemas/api` the ingest routes take or answer. */
const INGEST_BODIES: readonly ApiBodyName[] = ['AppendResponse', 'EventBatch', 'HealthStatus', 'ProblemDetails', 'StreamPage'];

/**
 * The component schemas: the event contract exactly as `@memfabric/events` exports it
 * (envelope, stored event, every data schema by title) and the API bodies of `schemas/api` the
 * routes use. Each keeps its `$id`, so references by URN between them resolve inside the document.
 */
function componentSchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {
    EventEnvelope: embed(schemas.eventEnvelopeSchema),
    StoredEvent: embed(schemas.storedEventSchema),
  };
  for (const schema of Object.values(schemas.dataSchemas)) out[schema.title] = embed(schema);
  for (const title of INGEST_BODIES) out[title] = embed(apiSchemas[title]);
  return out;
}

/**
 * Builds the OpenAPI 3.1 document of the ingest service: every route, its parameters, bodies
 * and problem+json error responses. Schemas are JSON Schema 2020-12 (the dialect of OpenAPI
 * 3.1), taken from the contract rather than restated.
 */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const envelope = schemas.eventEnvelopeSchema;
  const batchBody = { schema: ref('EventBatch') };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: DIALECT,
    info: {
      title: 'memfabric ingest',
      version: INGEST_API_VERSION,
      description:
        'Appends CloudEvents to the memfabric event log and reads them back. Errors are RFC 9457 problem details (application/problem+json).',
    },
    paths: {
      '/v1/events': {
        post: {
          operationId: 'appendEvents',
          summary: 'Append a batch of events',
          ...operationAccess('memory:write', 'body'),
          description:
            `Validates every event of the batch (all bad fields are reported at once; nothing is stored when one is bad) and appends them. ` +
            `Appends are idempotent per event on \`idempotencykey\` (or \`id\`): a retried event returns its first position with \`duplicate: true\`. ` +
            `Limits: ${options.maxBodyBytes} bytes per body, ${EVENT_LIMITS.maxBatchEvents} events per batch, ${EVENT_LIMITS.maxEventBytes} bytes per event.`,
          parameters: [
            {
              name: BATCH_ID_HEADER,
              in: 'header',
              required: false,
              description: 'Ingest batch id stamped on events that carry no `batchid` (a rollback can target it); generated per call when absent.',
              schema: { type: 'string', minLength: envelope.properties.batchid.minLength, maxLength: envelope.properties.batchid.maxLength },
            },
          ],
          requestBody: {
            required: true,
            content: Object.fromEntries(BATCH_MEDIA_TYPES.map((type) => [type, { ...batchBody, example: APPEND_EXAMPLE }])),
          },
          responses: {
            ...ACCESS_RESPONSES,
            '201': { description: 'At least one event was appended.', content: { 'application/json': { schema: ref('AppendResponse') } } },
            '200': { description: 'Every event was already stored (a retry); nothing was written.', content: { 'application/json': { schema: ref('AppendResponse') } } },
            '400': response('BadRequest'),
            '409': response('Conflict'),
            '413': response('PayloadTooLarge'),
            '415': response('UnsupportedMediaType'),
            '500': response('InternalError'),
            '503': response('Unavailable'),
          },
        },
      },
      '/v1/events/{id}': {
        get: {
          operationId: 'getEvent',
          summary: "Read one event by id (another tenant's event answers 404, like a missing one)",
          ...operationAccess('memory:read', 'resource'),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': { description: 'The stored event.', content: { 'application/cloudevents+json': { schema: ref('StoredEvent') } } },
            ...ACCESS_RESPONSES,
            '400': response('BadRequest'),
            '404': response('NotFound'),
            '500': response('InternalError'),
            '503': response('Unavailable'),
          },
        },
      },
      '/v1/tenants/{tenant}/streams/{stream}/events': {
        get: {
          operationId: 'readStream',
          summary: "Read a stream's events in stream order, page by page",
          ...operationAccess('memory:read', 'path'),
          parameters: [
            { name: 'tenant', in: 'path', required: true, schema: { type: 'string', pattern: envelope.$defs.tenantId.pattern } },
            { name: 'stream', in: 'path', required: true, schema: { type: 'string', pattern: envelope.$defs.streamId.pattern } },
            {
              name: 'from',
              in: 'query',
              required: false,
              description: 'First stream position to return (1-based, inclusive).',
              schema: { type: 'integer', minimum: 1, default: 1 },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'Most events to return.',
              schema: { type: 'integer', minimum: 1, maximum: STREAM_PAGE_LIMITS.maxLimit, default: STREAM_PAGE_LIMITS.defaultLimit },
            },
          ],
          responses: {
            '200': { description: 'One page; `next` is present when more events follow.', content: { 'application/json': { schema: ref('StreamPage') } } },
            ...ACCESS_RESPONSES,
            '400': response('BadRequest'),
            '404': problem('Unknown tenant (it has no stream) or unknown stream.'),
            '500': response('InternalError'),
            '503': response('Unavailable'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          ...PUBLIC_OPERATION,
          responses: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/health/live': {
        get: {
          operationId: 'live',
          summary: 'Liveness: the process serves HTTP',
          ...PUBLIC_OPERATION,
          responses: { '200': { description: 'Alive.', content: { 'application/json': { schema: ref('HealthStatus') } } } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics: the memfabric_* series and process metrics (no tenant data; public like the health probes)',
          ...PUBLIC_OPERATION,
          responses: {
            '200': { description: 'The Prometheus text exposition format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      '/health/ready': {
        get: {
          operationId: 'ready',
          summary: 'Readiness: the event log answers',
          ...PUBLIC_OPERATION,
          responses: {
            '200': { description: 'Ready.', content: { 'application/json': { schema: ref('HealthStatus') } } },
            '503': response('Unavailable'),
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_SCHEME },
      responses: {
        BadRequest: problem('Invalid input: `errors` names every bad field (`validation_failed`), or the body is not JSON (`malformed_json`).'),
        NotFound: problem('No such resource.'),
        Conflict: problem('An idempotency key was reused for a different event (`idempotency_conflict`).'),
        PayloadTooLarge: problem('The body exceeds the byte limit, or the batch has too many events (`payload_too_large`).'),
        UnsupportedMediaType: problem('The Content-Type is not accepted (`unsupported_media_type`).'),
        InternalError: problem('Unexpected failure; details are logged, not returned (`internal`).'),
        Unavailable: problem('The event log cannot be reached; retry later (`unavailable`, retriable).'),
      },
    },
  };
}
