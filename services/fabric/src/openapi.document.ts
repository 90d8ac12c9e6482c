import { buildAuditOpenApiDocument } from '@memfabric/audit-service';
import { buildOpenApiDocument, INGEST_API_VERSION, mergeOpenApiDocuments, PUBLIC_OPERATION } from '@memfabric/ingest';
import { buildQueryGatewayOpenApiDocument } from '@memfabric/query-gateway';
import { DOCS_PATH } from './api-docs.module.js';

/** Body limits stated in the merged document, bytes (from each module's configuration). */
export interface FabricOpenApiOptions {
  readonly ingestMaxBodyBytes: number;
  readonly queryMaxBodyBytes: number;
  readonly auditMaxBodyBytes: number;
}

/** The documentation routes of the all-in-one app, documented like every other route. */
const DOCS_PART = {
  openapi: '3.1.0',
  paths: {
    [DOCS_PATH]: {
      get: {
        operationId: 'apiDocs',
        summary: 'Browsable API page (Swagger UI, served from this server) on /openapi.json',
        ...PUBLIC_OPERATION,
        responses: { '200': { description: 'The HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
  },
} as const;

/**
 * The one OpenAPI 3.1 document of the all-in-one fabric: the ingest, query gateway and audit
 * documents merged (every path; components shared when identical, renamed when they clash), plus
 * `/docs`. Served at `/openapi.json`.
 * @throws ConfigurationError when two modules document the same operation.
 */
export function buildFabricOpenApiDocument(options: FabricOpenApiOptions): Readonly<Record<string, unknown>> {
  const ingest = buildOpenApiDocument({ maxBodyBytes: options.ingestMaxBodyBytes });
  const merged = mergeOpenApiDocuments(
    {
      title: 'memfabric',
      version: INGEST_API_VERSION,
      description:
        'The embedded memfabric fabric on one port: ingest (the event log), the query gateway (recall) and the audit service ' +
        '(history, state at a position or time, read audit, checkpoints, export, verification, rollback and erasure). ' +
        'Errors are RFC 9457 problem details (application/problem+json). Browse it at /docs.',
    },
    [
      { prefix: 'Ingest', document: ingest },
      { prefix: 'Query', document: buildQueryGatewayOpenApiDocument({ maxBodyBytes: options.queryMaxBodyBytes }) },
      { prefix: 'Audit', document: buildAuditOpenApiDocument({ maxBodyBytes: options.auditMaxBodyBytes }) },
      { prefix: 'Docs', document: DOCS_PART },
    ],
  );
  return merged;
}
