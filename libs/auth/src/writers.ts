/**
 * Event types a client may append through the ingest API. Every other type is written only by
 * the memfabric service that owns it: `facts.extracted` by the extraction processor,
 * `rollback.applied` / `rollback.reverted` and `subject.erased` by the audit service,
 * `version.tagged` by the audit service.
 */
export const CLIENT_EVENT_TYPES = ['interaction.recorded', 'memory.asserted', 'memory.corrected', 'memory.retracted'] as const;

/** True when a client may append an event of this `type`. */
export function isClientEventType(type: unknown): boolean {
  return typeof type === 'string' && (CLIENT_EVENT_TYPES as readonly string[]).includes(type);
}
