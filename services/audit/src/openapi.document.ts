import { apiComponentSchemas } from '@memfabric/events';
import { ACCESS_RESPONSES, BEARER_SCHEME, BEARER_SCHEME_NAME, operationAccess, PROBLEM_MEDIA_TYPE } from '@memfabric/ingest';
import { CALLER_HEADER } from './audit.tokens.js';

/** Version of the audit HTTP API described by the document. */
export const AUDIT_API_VERSION = '0.1.0';

/** The OpenAPI 3.1 document of the audit service (see {@link buildAuditOpenApiDocument}). */
export type AuditOpenApiDocument = Readonly<Record<string, unknown>>;

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({ description, content: { [PROBLEM_MEDIA_TYPE]: { schema: ref('ProblemDetails') } } });
const json = (description: string, schema: Schema) => ({ description, content: { 'application/json': { schema } } });
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const time = { type: 'string', format: 'date-time' } as const;
const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\s/]+$' } });
const tenant = idParam('tenant', 'Tenant id.');
const caller = { name: CALLER_HEADER, in: 'header', required: false, description: 'A caller label (agent, user) appended to the authenticated principal in the read audit; never replaces it.', schema: { type: 'string', maxLength: 256 } };
const errors = {
  ...ACCESS_RESPONSES,
  '400': problem('A path or query parameter is malformed; `errors` names each one.'),
  '500': problem('Unexpected failure (details are logged, not returned).'),
  '503': problem('A store is unavailable; retry later (`retriable: true`).'),
};
const adminErrors = errors;

/**
 * The component schemas: the audit bodies of `schemas/api` (with the contract schemas they
 * reference, each keeping its `$id`) and the read-audit, checkpoint and verification shapes.
 */
function schemas(): Record<string, Schema> {
  return {
    ...apiComponentSchemas([
      'ProblemDetails',
      'MemoryHistory',
      'EntityHistory',
      'PointInTimeState',
      'RollbackRequest',
      'RollbackResponse',
      'RollbackRevertRequest',
      'RollbackRevertResponse',
      'ErasureRequest',
      'ErasureResponse',
      'ExportResponse',
    ]),
    QueryLogRow: {
      type: 'object',
      properties: {
        queryId: str,
        tenantId: str,
        caller: str,
        queryHash: str,
        k: { type: 'integer' },
        preset: { type: 'string', description: 'Search preset of a recall, or `audit:history` / `audit:state`.' },
        channelLatencyMs: { type: 'object', additionalProperties: { type: 'number' } },
        totalLatencyMs: { type: 'number' },
        unitIds: { type: 'array', items: str },
        asOf: nullableStr,
        validAt: nullableStr,
        at: time,
      },
    },
    SignedCheckpoint: {
      type: 'object',
      required: ['checkpoint', 'jws'],
      properties: {
        checkpoint: {
          type: 'object',
          properties: {
            v: { const: 1 },
            tenantid: str,
            position: { type: 'integer' },
            events: { type: 'integer' },
            heads: { type: 'array', items: { type: 'object', properties: { streamid: str, streamposition: { type: 'integer' }, id: str, hash: str } } },
            root: { type: 'string', description: 'RFC 6962-shaped Merkle root over the heads.' },
            createdat: time,
            keyid: str,
          },
        },
        jws: { type: 'string', description: 'JWS compact serialization, alg EdDSA (Ed25519), payload = RFC 8785 canonical JSON of `checkpoint`.' },
      },
    },
    LiveVerification: { type: 'object', properties: { valid: { type: 'boolean' }, chains: { type: 'object' }, checkpoints: { type: 'integer' }, firstFailure: { type: 'object' } } },
  };
}

/**
 * The OpenAPI 3.1 document of the audit routes: history, point-in-time state, the read audit,
 * checkpoints, export and verification; every error is RFC 9457 problem+json.
 */
export function buildAuditOpenApiDocument(options: { readonly maxBodyBytes: number }): AuditOpenApiDocument {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'memfabric audit',
      version: AUDIT_API_VERSION,
      description:
        'History of memories and entities, state at any log position or transaction time (folded from the log), the read audit, ' +
        `signed checkpoints (Ed25519), export bundles, tamper checks, rollback by filter and erasure of a data subject. JSON bodies are limited to ${options.maxBodyBytes} bytes. ` +
        'Errors are RFC 9457 problem details (application/problem+json).',
    },
    components: {
      schemas: schemas(),
      securitySchemes: { [BEARER_SCHEME_NAME]: BEARER_SCHEME },
    },
    paths: {
      '/v1/tenants/{tenant}/memories/{id}/history': {
        get: {
          operationId: 'memoryHistory',
          ...operationAccess('audit:read', 'path'),
          summary: 'Every event that created, corrected, retracted, rolled back or erased a memory, as versions with diffs',
          parameters: [tenant, idParam('id', 'Any unit of the memory (the id of the event that created it).'), caller],
          responses: { '200': json('The history.', ref('MemoryHistory')), '404': problem('No such memory unit in the tenant.'), ...errors },
        },
      },
      '/v1/tenants/{tenant}/entities/{id}/history': {
        get: {
          operationId: 'entityHistory',
          ...operationAccess('audit:read', 'path'),
          summary: 'Every fact about a knowledge-graph entity added, supported, invalidated or ended, with valid and transaction times',
          parameters: [tenant, idParam('id', 'Entity id.'), caller],
          responses: { '200': json('The history.', ref('EntityHistory')), '404': problem('No such entity, or the graph was not projected yet.'), ...errors },
        },
      },
      '/v1/tenants/{tenant}/state': {
        get: {
          operationId: 'stateAt',
          ...operationAccess('audit:read', 'path'),
          summary: 'Memory units and facts as they stood at a log position or transaction time, folded from the log',
          parameters: [
            tenant,
            { name: 'position', in: 'query', required: false, description: 'Log offset (inclusive) in the partition that holds the tenant\'s events (the embedded log has one). Exactly one of position and at.', schema: { type: 'integer', minimum: 0 }, example: 0 },
            { name: 'at', in: 'query', required: false, description: 'Transaction time (RFC 3339 with offset).', schema: time },
            { name: 'stream', in: 'query', required: false, description: 'Only this stream.', schema: str },
            caller,
          ],
          responses: { '200': json('The state.', ref('PointInTimeState')), ...errors },
        },
      },
      '/v1/tenants/{tenant}/reads': {
        get: {
          operationId: 'listReads',
          ...operationAccess('audit:read', 'path'),
          summary: 'The read audit: recalls and audited reads (who, when, which units), oldest first',
          parameters: [
            tenant,
            { name: 'since', in: 'query', required: false, schema: time },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000 } },
          ],
          responses: { '200': json('Reads.', { type: 'object', properties: { reads: { type: 'array', items: ref('QueryLogRow') } } }), ...adminErrors },
        },
      },
      '/v1/tenants/{tenant}/checkpoints': {
        post: {
          operationId: 'createCheckpoint',
          ...operationAccess('audit:admin', 'path'),
          summary: "Take a signed checkpoint of the tenant's stream heads now",
          parameters: [tenant],
          responses: { '201': json('The checkpoint taken (empty when the tenant has no events).', { type: 'object', properties: { checkpoints: { type: 'array', items: ref('SignedCheckpoint') } } }), ...adminErrors },
        },
      },
      '/v1/tenants/{tenant}/verify': {
        get: {
          operationId: 'verifyLive',
          ...operationAccess('audit:read', 'path'),
          summary: "Recompute the tenant's hash chains and check the signed checkpoints against the live heads",
          parameters: [tenant],
          responses: { '200': json('The verification (valid or the first failure, naming the event).', ref('LiveVerification')), ...adminErrors },
        },
      },
      '/v1/tenants/{tenant}/rollbacks': {
        post: {
          operationId: 'rollback',
          ...operationAccess('audit:admin', 'path'),
          summary: 'Roll back by filter: dry run lists the units that would disappear from recall; otherwise appends rollback.applied (never deletes)',
          parameters: [tenant, { name: 'dryRun', in: 'query', required: false, schema: { type: 'boolean' } }, caller],
          requestBody: { required: false, content: { 'application/json': { schema: ref('RollbackRequest'), example: { filter: { streamid: 'session-1' }, reason: 'imported twice', dryRun: true } } } },
          responses: {
            '200': json('Dry run: what would disappear.', ref('RollbackResponse')),
            '201': json('Applied: the rollback id and what disappeared.', ref('RollbackResponse')),
            '413': problem('Body larger than the limit.'),
            '415': problem('A body that is not application/json.'),
            ...adminErrors,
          },
        },
      },
      '/v1/rollbacks/{id}/revert': {
        post: {
          operationId: 'revertRollback',
          ...operationAccess('audit:admin', 'resource'),
          summary: 'Revert a rollback (appends rollback.reverted; idempotent)',
          parameters: [idParam('id', 'Id of the rollback.applied event.'), caller],
          requestBody: { required: false, content: { 'application/json': { schema: ref('RollbackRevertRequest'), example: { reason: 'restored after review' } } } },
          responses: {
            '200': json('Reverted.', ref('RollbackRevertResponse')),
            '404': problem('No such event.'),
            '415': problem('A body that is not application/json.'),
            ...adminErrors,
          },
        },
      },
      '/v1/tenants/{tenant}/subjects/{subject}/erase': {
        post: {
          operationId: 'eraseSubject',
          ...operationAccess('audit:admin', 'path'),
          summary: "Erase a data subject: destroy its content key (crypto-shredding), append subject.erased, purge derived data",
          parameters: [tenant, idParam('subject', 'Data subject.'), caller],
          requestBody: { required: false, content: { 'application/json': { schema: ref('ErasureRequest'), example: { reason: 'right to erasure request', requestedBy: 'dpo@acme.example' } } } },
          responses: { '200': json('Erased.', ref('ErasureResponse')), '404': problem('No event of the subject was ever recorded in the tenant; nothing was appended.'), '415': problem('A body that is not application/json (the erase does not run).'), ...adminErrors },
        },
      },
      '/v1/tenants/{tenant}/export': {
        post: {
          operationId: 'exportTenant',
          ...operationAccess('audit:admin', 'path'),
          summary: 'Write a signed export bundle (events.jsonl, checkpoints.jsonl, manifest.json, manifest.sig) on the server',
          parameters: [tenant],
          responses: { '201': json('Where the bundle is and the key to verify it with.', ref('ExportResponse')), ...adminErrors },
        },
      },
    },
  };
}
