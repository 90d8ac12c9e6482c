/**
 * Dependency-injection tokens of the audit service. Every constructor parameter is injected with
 * an explicit `@Inject(TOKEN)`, so the service runs where no decorator metadata is emitted.
 */

/** The `Audit` (`@memfabric/audit-node`) the routes call. */
export const AUDIT = Symbol.for('memfabric.audit.service');

/** The validated {@link AuditConfig}. */
export const AUDIT_CONFIG = Symbol.for('memfabric.audit.config');

/** Header carrying a caller label, appended to the authenticated principal in the read audit. */
export const CALLER_HEADER = 'x-memfabric-caller';
