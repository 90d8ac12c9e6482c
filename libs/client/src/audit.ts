/**
 * Shapes of the audit and admin routes (`buildAuditOpenApiDocument` of `@memfabric/audit-service`
 * documents each). Times are RFC 3339 strings; positions are global log offsets (0-based).
 * Fields the client does not interpret are kept as `unknown`.
 */

/** Which memory units a rollback hides; the tenant comes from the path. World time [`from`, `to`). */
export interface RollbackFilter {
  readonly actor?: string;
  readonly streamid?: string;
  readonly from?: string;
  readonly to?: string;
  /** The ingest batch id (`memfabric-batch-id` of the append). */
  readonly batchid?: string;
}

/** Body of `POST /v1/tenants/{tenant}/rollbacks`. */
export interface RollbackInput {
  readonly filter: RollbackFilter;
  /** Why, at most 2048 characters; recorded in `rollback.applied`. */
  readonly reason?: string;
  /** List what would disappear from recall without appending anything. */
  readonly dryRun?: boolean;
}

/** What a rollback hid (or, in a dry run, would hide). */
export interface RollbackResult {
  readonly dryRun: boolean;
  /** Id of the `rollback.applied` event; absent in a dry run. */
  readonly rollbackId?: string;
  readonly filter: Readonly<Record<string, unknown>>;
  /** Log offset up to which the filter was evaluated. */
  readonly uptoposition: number;
  /** Number of memory units hidden. */
  readonly units: number;
  readonly ids: readonly string[];
  readonly [field: string]: unknown;
}

/** Answer of `POST /v1/rollbacks/{id}/revert`. */
export interface RevertResult {
  readonly rollbackId: string;
  readonly revertEventId: string;
  /** True when the rollback had been reverted before (nothing appended). */
  readonly alreadyReverted: boolean;
}

/** Body of `POST /v1/tenants/{tenant}/subjects/{subject}/erase`. */
export interface EraseInput {
  readonly reason?: string;
  readonly requestedBy?: string;
}

/** Answer of an erasure: the `subject.erased` event, content keys destroyed, units purged. */
export interface EraseResult {
  readonly eventId: string;
  readonly keysDestroyed: number;
  readonly units: number | null;
}

/** Which point `GET /v1/tenants/{tenant}/state` folds the log to: exactly one of `position` and `at`. */
export type StatePoint = { readonly position: number; readonly stream?: string } | { readonly at: string | Date; readonly stream?: string };

/** Memory units and facts as they stood at a log position or transaction time. */
export interface PointInTimeState {
  readonly tenantid: string;
  readonly streamid?: string | null;
  /** Offset of the last event applied; `null` before the first event. */
  readonly position: number | null;
  readonly recordedAt?: string | null;
  readonly units: readonly Readonly<Record<string, unknown>>[];
  readonly counts: Readonly<Record<string, unknown>>;
  readonly rollbacks: readonly { readonly id: string; readonly offset: number; readonly unitIds: readonly string[] }[];
  readonly entities: readonly Readonly<Record<string, unknown>>[];
  readonly facts: readonly Readonly<Record<string, unknown>>[];
  readonly [field: string]: unknown;
}

/** Every fact about a knowledge-graph entity, with valid and transaction times. */
export interface EntityHistory {
  readonly tenantid: string;
  readonly entity: Readonly<Record<string, unknown>>;
  readonly entries: readonly Readonly<Record<string, unknown>>[];
  readonly [field: string]: unknown;
}

/** One row of the read audit (a recall or an audited read). */
export interface ReadAuditRow {
  readonly queryId?: string;
  readonly tenantId?: string;
  readonly caller?: string;
  readonly [field: string]: unknown;
}

/** A signed checkpoint of a stream head (Ed25519, compact JWS). */
export interface SignedCheckpoint {
  readonly checkpoint: Readonly<Record<string, unknown>>;
  readonly jws: string;
  readonly [field: string]: unknown;
}

/** Answer of `GET /v1/tenants/{tenant}/verify`: the hash chains and checkpoints checked against the live heads. */
export interface LiveVerification {
  readonly valid: boolean;
  readonly chains?: Readonly<Record<string, unknown>>;
  readonly checkpoints?: number;
  /** The first failure, naming the event; absent when valid. */
  readonly firstFailure?: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/** Where an export bundle was written on the server, and the key to verify it with. */
export interface ExportResult {
  readonly dir: string;
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly keyId: string;
  readonly publicKeyPem: string;
  readonly [field: string]: unknown;
}
