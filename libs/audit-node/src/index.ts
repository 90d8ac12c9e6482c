export type { AuditedFabric, AuditKeyVault, FilePurge, SubjectKeyCount } from './audited-fabric.js';
export { embeddedAuditedFabric } from './embedded-audited-fabric.js';
export { Audit, type AuditOptions, type ReadContext, type ReadsQuery } from './audit.js';
export { EmbeddedAudit, type EmbeddedAuditOptions } from './embedded-audit.js';
export {
  jwkThumbprint,
  loadAuditSigner,
  loadOrCreateSigningKey,
  NodeEd25519Signer,
  nodeSignatureVerifier,
  sha256Bytes,
  signerFromKeyFile,
  signerFromPem,
  SIGNING_KEY_FILES,
  type SigningKeySource,
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
export * from './audit-actions.js';
