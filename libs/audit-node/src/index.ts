export {
  jwkThumbprint,
  loadOrCreateSigningKey,
  NodeEd25519Signer,
  nodeSignatureVerifier,
  sha256Bytes,
  signerFromPem,
  SIGNING_KEY_FILES,
} from './ed25519.js';
export { CHECKPOINT_DDL, SqliteCheckpointStore } from './sqlite.audit-store.js';
export {
  createCheckpoints,
  exportTenant,
  readExportBundle,
  verifyExportDirectory,
  verifyLiveStore,
  type ExportProgress,
  type ExportResult,
  type LiveFailure,
  type LiveVerification,
  type TamperEvidenceDeps,
} from './tamper-evidence.js';
export { EmbeddedAudit, type EmbeddedAuditOptions, type ReadContext, type ReadsQuery } from './embedded-audit.js';
export * from './audit-actions.js';
