import type { Signer } from '@memfabric/audit';
import type { EmbeddedFabric } from '@memfabric/embedded';
import { ConfigurationError } from '@memfabric/errors';
import { Audit } from './audit.js';
import { loadAuditSigner } from './ed25519.js';
import { embeddedAuditedFabric } from './embedded-audited-fabric.js';

/** Options of {@link EmbeddedAudit.open}. */
export interface EmbeddedAuditOptions {
  /** The embedded fabric (log, analytics, projections); the caller owns and closes it. */
  readonly fabric: EmbeddedFabric;
  /** Data directory: the signing key is `<dataDir>/audit-signing.key` (created on first use). Ignored with `signer` or `signingKeyFile`. */
  readonly dataDir?: string;
  /** A provisioned signing key file (Ed25519, PKCS #8 PEM; read only, never created). Ignored with `signer`. */
  readonly signingKeyFile?: string;
  /** Signing key to use instead of a key file (an HSM- or KMS-backed signer). */
  readonly signer?: Signer;
  /** Clock of checkpoints and read records; default `new Date()`. */
  readonly clock?: () => Date;
}

/**
 * The {@link Audit} of the embedded fabric: over {@link embeddedAuditedFabric} (checkpoints in
 * the log's SQLite file), signing with `signer`, else the key of `signingKeyFile`, else the data
 * directory's `audit-signing.key`.
 */
export class EmbeddedAudit extends Audit {
  /**
   * Binds the audit to an embedded fabric and loads (or creates) the signing key.
   * @throws ConfigurationError when none of `signer`, `signingKeyFile` and `dataDir` is given, or
   *   the key file is unreadable or not an Ed25519 key.
   */
  static open(options: EmbeddedAuditOptions): EmbeddedAudit {
    if (!options.signer && !options.signingKeyFile && !options.dataDir) {
      throw new ConfigurationError('EmbeddedAudit: pass dataDir (where audit-signing.key lives), signingKeyFile or a signer');
    }
    const signer =
      options.signer ??
      loadAuditSigner({ ...(options.signingKeyFile ? { keyFile: options.signingKeyFile } : {}), ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
    return new EmbeddedAudit({ fabric: embeddedAuditedFabric(options.fabric), signer, ...(options.clock ? { clock: options.clock } : {}) });
  }
}
