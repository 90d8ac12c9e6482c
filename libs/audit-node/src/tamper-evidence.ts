import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import {
  checkpointBody,
  checkSignedCheckpoint,
  compareHeads,
  exportLine,
  EXPORT_FILES,
  ManifestStreams,
  signCheckpoint,
  signManifest,
  verifyExportBundle,
  type CheckpointStore,
  type ExportBundleFiles,
  type ExportManifest,
  type ExportVerification,
  type SealedEventSource,
  type SignatureVerifier,
  type SignedCheckpoint,
  type Signer,
} from '@memfabric/audit';
import { nodeSha256Hex } from '@memfabric/crypto';
import { ValidationError } from '@memfabric/errors';
import type { EventLog, VerifyReport } from '@memfabric/event-log';
import { nodeSignatureVerifier } from './ed25519.js';

/** What the tamper-evidence operations read and write. */
export interface TamperEvidenceDeps {
  readonly source: SealedEventSource;
  readonly store: CheckpointStore;
  readonly signer: Signer;
  /** Transaction-time clock of checkpoints and exports; default `new Date()`. */
  readonly clock?: () => Date;
}

/**
 * Takes a signed checkpoint of each tenant (or of `tenant` only) over its current stream heads
 * and appends it to the store.
 * @param options.skipUnchanged - skip a tenant whose heads equal its latest checkpoint's (automatic checkpoints).
 * @returns the checkpoints taken, by tenant id.
 */
export async function createCheckpoints(
  deps: TamperEvidenceDeps,
  options: { readonly tenant?: string; readonly skipUnchanged?: boolean } = {},
): Promise<SignedCheckpoint[]> {
  const now = (deps.clock ?? (() => new Date()))().toISOString();
  const taken: SignedCheckpoint[] = [];
  for (const tenant of await deps.source.heads(options.tenant)) {
    const body = checkpointBody(tenant.tenantid, tenant.heads, tenant.position, now, deps.signer.keyId, nodeSha256Hex);
    if (options.skipUnchanged) {
      const latest = await deps.store.latest(tenant.tenantid);
      if (latest && latest.checkpoint.root === body.root && latest.checkpoint.position === body.position) continue;
    }
    const signed = await signCheckpoint(body, deps.signer);
    await deps.store.append(signed);
    taken.push(signed);
  }
  return taken;
}

/** What {@link exportTenant} wrote. */
export interface ExportResult {
  readonly dir: string;
  readonly manifest: ExportManifest;
  /** The checkpoint taken at export time (the last line of `checkpoints.jsonl`). */
  readonly checkpoint: SignedCheckpoint;
}

/** Progress of an export: events written and the tenant's total. */
export type ExportProgress = (written: number, total: number) => void;

const PAGE = 1000;

/**
 * Writes the export bundle of one tenant into `dir` (created mode 0700 when missing; must be empty; files 0600):
 * a signed checkpoint is taken first over the tenant's stream heads, then every event of the
 * tenant up to that checkpoint's position is written exactly as stored (see `EXPORT_FILES`),
 * then the manifest is signed.
 * @throws ValidationError when `dir` exists and is not empty, or the tenant has no events.
 */
export async function exportTenant(deps: TamperEvidenceDeps, tenant: string, dir: string, onProgress?: ExportProgress): Promise<ExportResult> {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ValidationError(`export directory ${dir} is not empty; choose a new directory`, [{ pointer: '/out', detail: 'must be a new or empty directory' }]);
  }
  const [checkpoint] = await createCheckpoints(deps, { tenant });
  if (!checkpoint) throw new ValidationError(`tenant ${tenant} has no events to export`, [{ pointer: '/tenant', detail: 'has no events' }]);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const total = checkpoint.checkpoint.events;
  const streams = new ManifestStreams();
  const eventsFile = path.join(dir, EXPORT_FILES.events);
  const hash = createHash('sha256');
  let bytes = 0;
  // owner-only like the data files: the bundle is handed to auditors by copying it
  const fd = openSync(eventsFile, 'wx', 0o600);
  try {
    let from = 0;
    for (;;) {
      const page = await deps.source.readSealed(tenant, { fromOffset: from, toOffset: checkpoint.checkpoint.position, limit: PAGE });
      if (page.length === 0) break;
      const chunk = Buffer.from(page.map((e) => `${exportLine(e)}\n`).join(''), 'utf8');
      writeSync(fd, chunk);
      hash.update(chunk);
      bytes += chunk.length;
      for (const e of page) streams.add(e);
      onProgress?.(streams.events, total);
      from = page[page.length - 1]!.offset + 1;
      if (page.length < PAGE) break;
    }
  } finally {
    closeSync(fd);
  }
  const own = (await deps.store.list(tenant)).filter((c) => c.checkpoint.position <= checkpoint.checkpoint.position);
  const checkpointLines = Buffer.from(own.map((c) => `${JSON.stringify({ checkpoint: c.checkpoint, jws: c.jws })}\n`).join(''), 'utf8');
  writeFileSync(path.join(dir, EXPORT_FILES.checkpoints), checkpointLines, { flag: 'wx', mode: 0o600 });
  const { manifest, manifestJson, signature } = await signManifest(
    {
      tenantid: tenant,
      createdat: checkpoint.checkpoint.createdat,
      streams,
      checkpoints: own.length,
      files: {
        'events.jsonl': { sha256: hash.digest('hex'), bytes },
        'checkpoints.jsonl': { sha256: createHash('sha256').update(checkpointLines).digest('hex'), bytes: checkpointLines.length },
      },
    },
    deps.signer,
  );
  writeFileSync(path.join(dir, EXPORT_FILES.manifest), manifestJson, { flag: 'wx', mode: 0o600 });
  writeFileSync(path.join(dir, EXPORT_FILES.signature), signature, { flag: 'wx', mode: 0o600 });
  return { dir, manifest, checkpoint };
}

/** Reads the four files of a bundle (a missing file is `undefined`). */
export function readExportBundle(dir: string): ExportBundleFiles {
  const read = (name: string) => {
    const file = path.join(dir, name);
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
  };
  const files: { -readonly [K in keyof ExportBundleFiles]: ExportBundleFiles[K] } = {};
  const events = read(EXPORT_FILES.events);
  const checkpoints = read(EXPORT_FILES.checkpoints);
  const manifest = read(EXPORT_FILES.manifest);
  const signature = read(EXPORT_FILES.signature);
  if (events) files.events = events;
  if (checkpoints) files.checkpoints = checkpoints;
  if (manifest) files.manifest = manifest;
  if (signature) files.signature = signature;
  return files;
}

/**
 * Verifies an export directory offline (see `verifyExportBundle`).
 * @param publicKeyPem - the auditor's copy of the public key; default the manifest's (self-asserted).
 * @throws ValidationError when `dir` does not exist.
 */
export function verifyExportDirectory(dir: string, publicKeyPem?: string, verifier: SignatureVerifier = nodeSignatureVerifier): ExportVerification {
  if (!existsSync(dir)) throw new ValidationError(`export directory ${dir} does not exist`, [{ pointer: '/dir', detail: 'does not exist' }]);
  return verifyExportBundle(readExportBundle(dir), {
    verifier,
    sha256Bytes: (bytes) => createHash('sha256').update(bytes).digest('hex'),
    digest: nodeSha256Hex,
    ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
  });
}

/** The first problem of a live-store check, naming the event. */
export interface LiveFailure {
  readonly check: 'chain' | 'checkpoint' | 'signature';
  readonly tenantid: string;
  readonly streamid?: string;
  readonly streamposition?: number;
  readonly eventId?: string;
  /** Sequence number of the checkpoint that disagrees. */
  readonly checkpoint?: number;
  readonly reason: string;
}

/** Outcome of {@link verifyLiveStore}. */
export interface LiveVerification {
  readonly valid: boolean;
  /** The hash-chain recomputation of the log (`EventLog.verify`). */
  readonly chains: VerifyReport;
  /** Signed checkpoints checked against the live chain heads. */
  readonly checkpoints: number;
  readonly firstFailure?: LiveFailure;
}

/**
 * Tamper check of the live store: recomputes every chain (`EventLog.verify`: a record edited in
 * place no longer matches its hash), then checks every stored checkpoint's Ed25519 signature and
 * that each head it signed is still in the log with the same id and hash (a chain rewritten with
 * fresh hashes, or events removed, no longer match what was signed).
 * @param publicKeyPem - key the checkpoints must verify under (the data directory's own key by default).
 */
export async function verifyLiveStore(
  deps: { readonly log: EventLog; readonly source: SealedEventSource; readonly store: CheckpointStore; readonly publicKeyPem: string; readonly verifier?: SignatureVerifier },
  tenant?: string,
): Promise<LiveVerification> {
  const chains = await deps.log.verify(tenant === undefined ? {} : { tenantid: tenant });
  if (!chains.valid && chains.firstBroken) {
    const b = chains.firstBroken;
    return { valid: false, chains, checkpoints: 0, firstFailure: { check: 'chain', tenantid: b.tenantid, streamid: b.streamid, streamposition: b.streamposition, eventId: b.id, reason: b.reason } };
  }
  const verifier = deps.verifier ?? nodeSignatureVerifier;
  const stored = await deps.store.list(tenant);
  for (const c of stored) {
    const problem = checkSignedCheckpoint(c, deps.publicKeyPem, verifier, nodeSha256Hex);
    if (problem) {
      return { valid: false, chains, checkpoints: stored.length, firstFailure: { check: 'signature', tenantid: c.checkpoint.tenantid, checkpoint: c.sequence, reason: `checkpoint ${c.sequence}: ${problem}` } };
    }
    const links = new Map<string, Awaited<ReturnType<SealedEventSource['link']>>>();
    for (const head of c.checkpoint.heads) links.set(`${head.streamid}\u0000${head.streamposition}`, await deps.source.link(c.checkpoint.tenantid, head.streamid, head.streamposition));
    const mismatch = compareHeads(c.checkpoint, (streamid, position) => links.get(`${streamid}\u0000${position}`));
    if (mismatch) {
      return {
        valid: false,
        chains,
        checkpoints: stored.length,
        firstFailure: { check: 'checkpoint', tenantid: c.checkpoint.tenantid, streamid: mismatch.streamid, streamposition: mismatch.streamposition, eventId: mismatch.eventId, checkpoint: c.sequence, reason: mismatch.reason },
      };
    }
  }
  return { valid: true, chains, checkpoints: stored.length };
}
