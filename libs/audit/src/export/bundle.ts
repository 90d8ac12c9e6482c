import { chainHash, GENESIS_HASH, sha256Hex, type Sha256Hex } from '@memfabric/events';
import type { StoredRecord } from '@memfabric/event-log';
import { checkSignedCheckpoint, compareHeads, type ChainLink, type SignedCheckpoint } from '../checkpoint/checkpoint.js';
import type { PositionedSealedEvent } from '../ports.js';
import { fromUtf8, signCompact, utf8, verifyCompact, type SignatureVerifier, type Signer } from '../signing.js';

/**
 * The export bundle of one tenant, a directory of four files:
 *
 * - `events.jsonl` — every event of the tenant exactly as the log stores it, in log order, one
 *   {@link ExportedEvent} per line: the stored record (content still encrypted; erased subjects'
 *   content stays unreadable), its `prevhash` and `hash`, its partition and offset.
 * - `checkpoints.jsonl` — the tenant's signed checkpoints ({@link SignedCheckpoint}), oldest
 *   first; the last one is taken at export time over the exported heads.
 * - `manifest.json` — {@link ExportManifest}: tenant, counts, per-stream first/last hash,
 *   SHA-256 of the two files, key id and public key.
 * - `manifest.sig` — detached JWS (RFC 7515 Appendix F, EdDSA/Ed25519) over the bytes of
 *   `manifest.json`.
 *
 * Anyone holding the public key can check the bundle offline ({@link verifyExportBundle}).
 */
export const EXPORT_FORMAT = 'memfabric-export/1';

/** File names of a bundle. */
export const EXPORT_FILES = { events: 'events.jsonl', checkpoints: 'checkpoints.jsonl', manifest: 'manifest.json', signature: 'manifest.sig' } as const;

/** Media type (JWS `typ`) of the manifest signature. */
export const MANIFEST_TYP = 'memfabric-manifest+json';

/** One line of `events.jsonl`. */
export interface ExportedEvent {
  readonly partition: number;
  readonly offset: number;
  readonly prevhash: string;
  readonly hash: string;
  readonly record: StoredRecord;
}

/** One stream of the manifest. */
export interface ManifestStream {
  readonly streamid: string;
  readonly events: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
  readonly firstHash: string;
  readonly lastHash: string;
}

/** A file of the manifest. */
export interface ManifestFile {
  /** SHA-256 of the file's bytes, 64 hex. */
  readonly sha256: string;
  readonly bytes: number;
}

/** `manifest.json`. */
export interface ExportManifest {
  readonly format: typeof EXPORT_FORMAT;
  readonly tenantid: string;
  readonly createdat: string;
  /** Offset of the last exported event (`-1` when the tenant had none). */
  readonly position: number;
  readonly counts: { readonly events: number; readonly streams: number; readonly checkpoints: number };
  readonly streams: readonly ManifestStream[];
  readonly files: { readonly 'events.jsonl': ManifestFile; readonly 'checkpoints.jsonl': ManifestFile };
  readonly signing: {
    readonly alg: 'EdDSA';
    readonly keyid: string;
    /** SPKI PEM. */
    readonly publicKeyPem: string;
    readonly publicKeyJwk: Readonly<Record<string, string>>;
  };
}

/** The line of `events.jsonl` for a sealed event (no trailing newline). */
export function exportLine(event: PositionedSealedEvent): string {
  const line: ExportedEvent = { partition: event.partition, offset: event.offset, prevhash: event.prevhash, hash: event.hash, record: event.record };
  return JSON.stringify(line);
}

/** Accumulates the per-stream part of the manifest while events are written. */
export class ManifestStreams {
  private readonly streams = new Map<string, { -readonly [K in keyof ManifestStream]: ManifestStream[K] }>();
  private count = 0;
  private last = -1;

  add(event: PositionedSealedEvent): void {
    const id = event.record.streamid;
    const s = this.streams.get(id);
    if (!s) {
      this.streams.set(id, { streamid: id, events: 1, firstPosition: event.record.streamposition, lastPosition: event.record.streamposition, firstHash: event.hash, lastHash: event.hash });
    } else {
      s.events += 1;
      s.lastPosition = event.record.streamposition;
      s.lastHash = event.hash;
    }
    this.count += 1;
    this.last = Math.max(this.last, event.offset);
  }

  get events(): number {
    return this.count;
  }

  get position(): number {
    return this.last;
  }

  list(): ManifestStream[] {
    return [...this.streams.values()].sort((a, b) => (a.streamid < b.streamid ? -1 : a.streamid > b.streamid ? 1 : 0));
  }
}

/** Builds and signs the manifest; returns `manifest.json` text and the `manifest.sig` JWS. */
export async function signManifest(
  input: {
    readonly tenantid: string;
    readonly createdat: string;
    readonly streams: ManifestStreams;
    readonly checkpoints: number;
    readonly files: ExportManifest['files'];
  },
  signer: Signer,
): Promise<{ manifest: ExportManifest; manifestJson: string; signature: string }> {
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    tenantid: input.tenantid,
    createdat: input.createdat,
    position: input.streams.position,
    counts: { events: input.streams.events, streams: input.streams.list().length, checkpoints: input.checkpoints },
    streams: input.streams.list(),
    files: input.files,
    signing: { alg: 'EdDSA', keyid: signer.keyId, publicKeyPem: signer.publicKeyPem, publicKeyJwk: signer.publicKeyJwk },
  };
  const manifestJson = `${JSON.stringify(manifest, null, 2)}\n`;
  const signature = `${await signCompact(signer, utf8(manifestJson), MANIFEST_TYP, true)}\n`;
  return { manifest, manifestJson, signature };
}

/** Which check failed. */
export type ExportCheck = 'signature' | 'manifest' | 'file' | 'parse' | 'chain' | 'missing' | 'checkpoint';

/** One failed check. Event-level failures name the stream, position and event. */
export interface ExportFailure {
  readonly check: ExportCheck;
  readonly streamid?: string;
  readonly streamposition?: number;
  /** Id of the altered event, or of the missing one when known (else its hash is in `reason`). */
  readonly eventId?: string;
  readonly offset?: number;
  /** 1-based line of `events.jsonl`, for parse failures and altered events. */
  readonly line?: number;
  readonly reason: string;
}

/** The outcome of {@link verifyExportBundle}. */
export interface ExportVerification {
  readonly valid: boolean;
  readonly tenantid: string | null;
  readonly events: number;
  readonly streams: number;
  readonly checkpoints: number;
  readonly keyid: string | null;
  /** `pinned`: checked with a key the caller supplied; `manifest`: with the key the bundle carries (self-asserted). */
  readonly publicKeySource: 'pinned' | 'manifest';
  /**
   * The failure to report: the first altered or missing event in log order when any, else the
   * first failed check.
   */
  readonly firstFailure?: ExportFailure;
  /** Every failed check (at most one per stream for chain failures). */
  readonly failures: readonly ExportFailure[];
}

/** The four files of a bundle, as bytes. A missing file is `undefined`. */
export interface ExportBundleFiles {
  readonly events?: Uint8Array;
  readonly checkpoints?: Uint8Array;
  readonly manifest?: Uint8Array;
  readonly signature?: Uint8Array;
}

/** What {@link verifyExportBundle} needs besides the files. */
export interface ExportVerifyOptions {
  readonly verifier: SignatureVerifier;
  /** SHA-256 of raw bytes, 64 hex (files are hashed as bytes, a one-byte edit always shows). */
  readonly sha256Bytes: (bytes: Uint8Array) => string;
  /** Pinned public key (SPKI PEM); default the manifest's own key, reported as self-asserted. */
  readonly publicKeyPem?: string;
  /** SHA-256 of text for chain hashes; default pure JS. */
  readonly digest?: Sha256Hex;
}

const EVENT_FAILURES: ReadonlySet<ExportCheck> = new Set(['parse', 'chain', 'missing']);

function lines(bytes: Uint8Array): string[] {
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    text = new TextDecoder().decode(bytes); // malformed UTF-8 is reported per line by JSON.parse and hashes
  }
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

function isExported(value: unknown): value is ExportedEvent {
  const v = value as Partial<ExportedEvent> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.prevhash === 'string' && typeof v.hash === 'string' && typeof v.offset === 'number' &&
    typeof v.record === 'object' && v.record !== null && typeof v.record.streamid === 'string' && typeof v.record.streamposition === 'number' && typeof v.record.id === 'string'
  );
}

/**
 * Verifies an export bundle offline with only a public key:
 *
 * 1. `manifest.sig` is a valid Ed25519 JWS over `manifest.json`;
 * 2. the SHA-256 of `events.jsonl` and `checkpoints.jsonl` match the manifest;
 * 3. every stream's hash chain recomputes from the stored records (`chainHash`, RFC 8785
 *    canonical JSON + SHA-256): positions 1, 2, ..., each `prevhash` the previous `hash`, each
 *    `hash` the hash of its record; a gap is a missing event, named by its position and by the
 *    hash the next event links to;
 * 4. each stream ends where the manifest says (count, last position, last hash);
 * 5. every checkpoint's signature and Merkle root hold and its heads are in the chains.
 *
 * Never throws on bad content: every problem is a failure in the result.
 */
export function verifyExportBundle(files: ExportBundleFiles, options: ExportVerifyOptions): ExportVerification {
  const digest = options.digest ?? sha256Hex;
  const failures: ExportFailure[] = [];
  const fail = (f: ExportFailure) => failures.push(f);

  let manifest: ExportManifest | undefined;
  if (!files.manifest) fail({ check: 'manifest', reason: `${EXPORT_FILES.manifest} is missing` });
  else {
    try {
      manifest = JSON.parse(fromUtf8(files.manifest)) as ExportManifest;
      if (manifest.format !== EXPORT_FORMAT) fail({ check: 'manifest', reason: `unknown format ${JSON.stringify((manifest as { format?: unknown }).format)}, expected ${String(EXPORT_FORMAT)}` });
    } catch (error) {
      fail({ check: 'manifest', reason: `${EXPORT_FILES.manifest} is not JSON: ${(error as Error).message}` });
      manifest = undefined;
    }
  }
  const publicKeyPem = options.publicKeyPem ?? manifest?.signing?.publicKeyPem;
  if (publicKeyPem === undefined) fail({ check: 'signature', reason: 'no public key: pass one, the manifest carries none' });
  if (!files.signature) fail({ check: 'signature', reason: `${EXPORT_FILES.signature} is missing` });
  if (files.manifest && files.signature && publicKeyPem !== undefined) {
    let sig: string;
    try {
      sig = fromUtf8(files.signature);
    } catch {
      sig = '';
    }
    let check: ReturnType<typeof verifyCompact>;
    try {
      check = verifyCompact(sig, publicKeyPem, options.verifier, files.manifest);
    } catch (error) {
      check = { valid: false, reason: (error as Error).message };
    }
    if (!check.valid) fail({ check: 'signature', reason: `${EXPORT_FILES.signature}: ${check.reason}` });
  }

  for (const name of ['events', 'checkpoints'] as const) {
    const file = EXPORT_FILES[name];
    const bytes = files[name];
    if (!bytes) {
      fail({ check: 'file', reason: `${file} is missing` });
      continue;
    }
    const expected = manifest?.files?.[file];
    if (expected && (options.sha256Bytes(bytes) !== expected.sha256 || bytes.length !== expected.bytes)) {
      fail({ check: 'file', reason: `${file}: SHA-256 ${options.sha256Bytes(bytes).slice(0, 12)}… (${bytes.length} bytes) differs from the manifest's ${expected.sha256.slice(0, 12)}… (${expected.bytes} bytes)` });
    }
  }

  // Chains, stream by stream, in file order.
  const byStream = new Map<string, { event: ExportedEvent; line: number }[]>();
  let events = 0;
  if (files.events) {
    lines(files.events).forEach((text, i) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        const id = /"id"\s*:\s*"([^"]+)"/.exec(text)?.[1];
        const offset = /"offset"\s*:\s*(\d+)/.exec(text)?.[1];
        fail({
          check: 'parse',
          line: i + 1,
          ...(id ? { eventId: id } : {}),
          ...(offset ? { offset: Number(offset) } : {}),
          reason: `line ${i + 1} of ${EXPORT_FILES.events} is not JSON (${(error as Error).message}): event altered`,
        });
        return;
      }
      if (!isExported(parsed)) {
        fail({ check: 'parse', line: i + 1, reason: `line ${i + 1} of ${EXPORT_FILES.events} is not an exported event` });
        return;
      }
      events += 1;
      if (manifest && parsed.record.tenantid !== manifest.tenantid) {
        fail({ check: 'chain', line: i + 1, eventId: parsed.record.id, offset: parsed.offset, streamid: parsed.record.streamid, streamposition: parsed.record.streamposition, reason: `event of tenant ${parsed.record.tenantid} in the bundle of ${manifest.tenantid}` });
      }
      const list = byStream.get(parsed.record.streamid) ?? [];
      list.push({ event: parsed, line: i + 1 });
      byStream.set(parsed.record.streamid, list);
    });
  }
  const links = new Map<string, Map<number, ChainLink>>();
  for (const [streamid, list] of byStream) {
    const positions = new Map<number, ChainLink>();
    links.set(streamid, positions);
    let expectedPrev = GENESIS_HASH;
    let expectedPosition = 1;
    for (const { event, line } of list) {
      const { record } = event;
      const at = { streamid, streamposition: record.streamposition, eventId: record.id, offset: event.offset, line };
      if (record.streamposition > expectedPosition) {
        const gap = record.streamposition - expectedPosition;
        fail({
          check: 'missing',
          streamid,
          streamposition: expectedPosition,
          offset: event.offset - 0.5,
          reason: `${gap === 1 ? 'one event' : `${gap} events (#${expectedPosition}..#${record.streamposition - 1})`} removed: the next event ${record.id} (#${record.streamposition}) links to hash ${event.prevhash}, which no event in the bundle has`,
        });
        break;
      }
      if (record.streamposition < expectedPosition) {
        fail({ check: 'chain', ...at, reason: `stream position ${record.streamposition} repeated or out of order (expected ${expectedPosition})` });
        break;
      }
      if (event.prevhash !== expectedPrev) {
        fail({ check: 'chain', ...at, reason: 'prevhash does not match the hash of the previous event (record altered or chain spliced)' });
        break;
      }
      let recomputed: string;
      try {
        recomputed = chainHash(event.prevhash, record as unknown as Record<string, unknown>, digest);
      } catch (error) {
        recomputed = `unhashable: ${(error as Error).message}`;
      }
      if (recomputed !== event.hash) {
        fail({ check: 'chain', ...at, reason: 'hash does not match the stored record (record altered)' });
        break;
      }
      positions.set(record.streamposition, { id: record.id, hash: event.hash });
      expectedPrev = event.hash;
      expectedPosition += 1;
    }
  }

  // Stream ends against the manifest.
  const manifestStreams: readonly ManifestStream[] = Array.isArray(manifest?.streams) ? manifest.streams : [];
  if (manifest) {
    for (const s of manifestStreams) {
      const positions = links.get(s.streamid);
      const present = positions?.size ?? 0;
      const broken = failures.some((f) => f.streamid === s.streamid && EVENT_FAILURES.has(f.check));
      if (broken) continue;
      if (present < s.lastPosition) {
        fail({
          check: 'missing',
          streamid: s.streamid,
          streamposition: present + 1,
          offset: Number.MAX_SAFE_INTEGER,
          reason: `${s.lastPosition - present} event(s) missing at the end of ${s.streamid}: the bundle stops at #${present}, the manifest signs #${s.lastPosition} with hash ${s.lastHash}`,
        });
      } else if (positions?.get(s.lastPosition)?.hash !== s.lastHash) {
        const link = positions?.get(s.lastPosition);
        fail({ check: 'chain', streamid: s.streamid, streamposition: s.lastPosition, ...(link ? { eventId: link.id } : {}), reason: `last hash of ${s.streamid} differs from the manifest: the chain was rewritten` });
      }
    }
    const named = new Set(manifestStreams.map((s) => s.streamid));
    for (const streamid of byStream.keys()) if (!named.has(streamid)) fail({ check: 'manifest', streamid, reason: `stream ${streamid} is in ${EXPORT_FILES.events} but not in the manifest` });
    if (manifest.counts && manifest.counts.events !== events && !failures.some((f) => EVENT_FAILURES.has(f.check))) {
      fail({ check: 'manifest', reason: `${EXPORT_FILES.events} holds ${events} events, the manifest says ${manifest.counts.events}` });
    }
  }

  // Checkpoints.
  let checkpoints = 0;
  if (files.checkpoints) {
    lines(files.checkpoints).forEach((text, i) => {
      let signed: SignedCheckpoint;
      try {
        signed = JSON.parse(text) as SignedCheckpoint;
      } catch {
        fail({ check: 'checkpoint', line: i + 1, reason: `line ${i + 1} of ${EXPORT_FILES.checkpoints} is not JSON` });
        return;
      }
      checkpoints += 1;
      const problem = publicKeyPem === undefined ? 'no public key' : safeCheck(signed, publicKeyPem, options.verifier, digest);
      if (problem) {
        fail({ check: 'checkpoint', line: i + 1, reason: `checkpoint ${i + 1}: ${problem}` });
        return;
      }
      if (manifest && signed.checkpoint.tenantid !== manifest.tenantid) {
        fail({ check: 'checkpoint', line: i + 1, reason: `checkpoint ${i + 1} is of tenant ${signed.checkpoint.tenantid}` });
        return;
      }
      const mismatch = compareHeads(signed.checkpoint, (streamid, position) => links.get(streamid)?.get(position));
      if (mismatch && !failures.some((f) => f.streamid === mismatch.streamid && EVENT_FAILURES.has(f.check))) {
        fail({ check: mismatch.missing ? 'missing' : 'checkpoint', streamid: mismatch.streamid, streamposition: mismatch.streamposition, eventId: mismatch.eventId, reason: mismatch.reason });
      }
    });
  }

  const eventFailures = failures.filter((f) => EVENT_FAILURES.has(f.check)).sort((a, b) => (a.offset ?? Number.MAX_SAFE_INTEGER) - (b.offset ?? Number.MAX_SAFE_INTEGER));
  const firstFailure = eventFailures[0] ?? failures[0];
  return {
    valid: failures.length === 0,
    tenantid: manifest?.tenantid ?? null,
    events,
    streams: byStream.size,
    checkpoints,
    keyid: manifest?.signing?.keyid ?? null,
    publicKeySource: options.publicKeyPem === undefined ? 'manifest' : 'pinned',
    ...(firstFailure ? { firstFailure } : {}),
    failures,
  };
}

function safeCheck(signed: SignedCheckpoint, publicKeyPem: string, verifier: SignatureVerifier, digest: Sha256Hex): string | undefined {
  try {
    if (typeof signed?.jws !== 'string' || typeof signed.checkpoint !== 'object') return 'not a signed checkpoint';
    return checkSignedCheckpoint(signed, publicKeyPem, verifier, digest);
  } catch (error) {
    return (error as Error).message;
  }
}

/** One line naming a failure, for the CLI (`stream#position (event id): reason`). */
export function describeExportFailure(f: ExportFailure): string {
  const where = f.streamid !== undefined ? `${f.streamid}#${f.streamposition ?? '?'}` : f.line !== undefined ? `line ${f.line}` : f.check;
  const id = f.eventId !== undefined ? ` (event ${f.eventId})` : '';
  return `${f.check === 'missing' ? 'missing event' : f.check === 'chain' || f.check === 'parse' ? 'altered event' : `${f.check} check failed`} at ${where}${id}: ${f.reason}`;
}
