import path from 'node:path';
import type { Command } from 'commander';
import type { EmbeddedAudit } from '@memfabric/audit-node';
import type { EmbeddedFabric } from '@memfabric/embedded';
import { NotFoundError } from '@memfabric/errors';
import type { Checkpoint } from '@memfabric/event-log';
import type { ProjectionStatus, RunProgress } from '@memfabric/projections';
import { resolveDataDir, type DataDirConfig } from './cli.config.js';
import type { Output, ProgressBar } from './output.js';
import { globalOptions } from './program.js';

/**
 * The data directory of a command (`--data-dir`, else `MEMFABRIC_DATA_DIR`, else `./data`).
 * @param use.writes - the command writes new data (ingest): create the fabric if missing.
 * @throws NotFoundError naming the directory when it holds no fabric, unless the command
 *   writes or `--create` was given.
 */
export function dataDirOf(command: Command, use: { readonly writes?: boolean } = {}): DataDirConfig {
  const options = globalOptions(command);
  return resolveDataDir(options.dataDir, process.env, { create: use.writes === true || options.create === true });
}

/**
 * Opens the embedded fabric of the command's data directory. The embedded stack (projections,
 * extractor, embedder, analytics) is imported here, on first use, so commands that never open
 * it start without loading it; the embedding model itself loads on the first text embedded.
 * @throws NotFoundError as {@link dataDirOf}.
 */
export async function openFabric(command: Command, use: { readonly writes?: boolean } = {}): Promise<EmbeddedFabric> {
  const config = dataDirOf(command, use);
  const { EmbeddedFabric, embedderFromEnv, embeddingCacheFromEnv, extractorFromEnv } = await import('@memfabric/embedded');
  return EmbeddedFabric.open({
    dataDir: config.dataDir,
    masterKey: config.masterKey,
    embedder: embedderFromEnv(process.env),
    embeddingCache: embeddingCacheFromEnv(process.env),
    extractor: extractorFromEnv(process.env),
  });
}

/**
 * The audit of an open embedded fabric, signing as the server does: with the key file
 * `MEMFABRIC_AUDIT_SIGNING_KEY_FILE` names when it is set (read only), else the data directory's
 * `audit-signing.key` (created on first use). The audit library is imported here, on first use.
 * @throws ConfigurationError, one line naming the file, when the key file is unreadable or not
 *   an Ed25519 private key.
 */
export async function openAudit(fabric: EmbeddedFabric, config: DataDirConfig): Promise<EmbeddedAudit> {
  const { EmbeddedAudit } = await import('@memfabric/audit-node');
  const keyFile = process.env.MEMFABRIC_AUDIT_SIGNING_KEY_FILE?.trim();
  return EmbeddedAudit.open({ fabric, dataDir: config.dataDir, ...(keyFile ? { signingKeyFile: path.resolve(keyFile) } : {}) });
}

/**
 * Refuses a tenant that has no event in the log.
 * @throws NotFoundError `unknown tenant T (no events in data directory D)`.
 */
export async function requireTenant(fabric: EmbeddedFabric, tenant: string): Promise<void> {
  if ((await fabric.log.listStreams(tenant)).length === 0) {
    throw new NotFoundError(`unknown tenant ${tenant} (it has no events in this data directory)`, { context: { tenant } });
  }
}

/** What {@link runProjections} reads of a fabric: the log end, the projection names and their lag. */
export interface ProjectingFabric {
  readonly log: { end(): Promise<Checkpoint> };
  /** Names of every projection, in run order. */
  readonly projections: readonly string[];
  readonly runtime: { status(): Promise<readonly ProjectionStatus[]> };
}

/** Log positions a projection run covered, per projection and in all. */
export interface ProjectedEvents {
  /** Distinct log positions (events) the run brought at least one projection past. */
  readonly events: number;
  /** Log positions each projection advanced over, in run order. */
  readonly perProjection: Readonly<Record<string, number>>;
}

/**
 * Runs the projections until caught up with one progress bar per projection (on a terminal):
 * each bar counts the events (log positions) that projection processed, its total is that
 * projection's lag (grown when the run itself appends events, e.g. extracted facts), and every
 * bar ends at 100% once caught up. A projection the runtime visits in several passes keeps one
 * bar.
 * @param run - the runtime call, given the progress callback (`catchUp`, `rebuild`).
 * @param only - the projections the run covers (default all).
 * @param fromScratch - the run replays the whole log into new generations (`rebuild`): each
 *   bar's total starts at the log's event count instead of the active generation's lag.
 * @returns what `run` returned (for the runtime, a report whose `processed` counts deliveries:
 *   one event seen by five projections counts five) plus the events per projection.
 */
export async function runProjections<T extends object>(
  fabric: ProjectingFabric,
  out: Output,
  verb: string,
  run: (onProgress: (p: RunProgress) => void) => Promise<T>,
  only?: readonly string[],
  fromScratch = false,
): Promise<T & ProjectedEvents> {
  const names = only ?? fabric.projections;
  const lagOf = async () => new Map((await fabric.runtime.status()).map((s) => [s.name, s.lag]));
  const logEvents = Object.values(await fabric.log.end()).reduce((n, offset) => n + offset, 0);
  const before = fromScratch ? new Map(names.map((n) => [n, logEvents])) : await lagOf();
  const bars = out.multiProgress(names.map((n) => `${verb} ${n}`));
  const state = new Map<string, { bar: ProgressBar; value: number; total: number }>();
  const barOf = (name: string) => {
    let entry = state.get(name);
    if (!entry) {
      const total = before.get(name) ?? 0;
      entry = { bar: bars.bar(`${verb} ${name}`, total), value: 0, total };
      state.set(name, entry);
    }
    return entry;
  };
  for (const name of names) if ((before.get(name) ?? 0) > 0) barOf(name);
  let delivered = 0;
  try {
    const report = await run((p) => {
      const entry = barOf(p.projection);
      const delta = p.processed - delivered;
      delivered = p.processed;
      entry.value += delta;
      if (entry.value > entry.total) {
        entry.total = entry.value;
        entry.bar.setTotal(entry.total);
      }
      entry.bar.increment(delta);
    });
    const after = await lagOf();
    for (const [name, entry] of state) {
      const total = entry.value + (after.get(name) ?? 0);
      if (total !== entry.total) entry.bar.setTotal(total);
    }
    const perProjection = Object.fromEntries(names.map((n) => [n, state.get(n)?.value ?? 0]));
    return { ...report, perProjection, events: Math.max(0, ...Object.values(perProjection)) };
  } finally {
    bars.stop();
  }
}
