import 'reflect-metadata';

export { AuditModule, type AuditModuleOptions } from './audit.module.js';
export { createAuditApp, createAuditLogger, type CreateAuditAppOptions } from './audit.app.js';
export { AUDIT_DEFAULTS, loadAuditConfig, readAuditConfig, MIN_ADMIN_TOKEN_LENGTH, type AuditConfig, type AuditEnv } from './audit.config.js';
export { AUDIT, AUDIT_CONFIG, CALLER_HEADER } from './audit.tokens.js';
export { AUDIT_JSON_ROUTES } from './json-body.middleware.js';
export { buildAuditOpenApiDocument, AUDIT_API_VERSION, type AuditOpenApiDocument } from './openapi.document.js';
export type { ExportResponse } from './admin.controller.js';
export type { RollbackResponse } from './actions.controller.js';
