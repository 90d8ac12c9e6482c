import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** What one run of the `memfabric` binary produced. */
export interface Outcome {
  /** Exit code (0 on success). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A dialog turn of a LoCoMo file. */
export interface LocomoTurn {
  readonly speaker: string;
  readonly dia_id: string;
  readonly text: string;
}

/** A conversation of a LoCoMo file (only the fields the acceptance tests read). */
export interface LocomoSample {
  readonly sample_id: string;
  readonly conversation: Record<string, unknown>;
}

const run = promisify(execFile);

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The `memfabric` binary of this checkout. */
export const memfabricBin = path.join(repoRoot, 'services/cli/bin/memfabric.js');
/** The LoCoMo dev split, beside the clone (`../shared/data/locomo/locomo-dev.json`). */
export const locomoDevFile = path.resolve(repoRoot, '../shared/data/locomo/locomo-dev.json');

/**
 * Runs `memfabric ...args` with the hash embedder, a master key file in the data directory and
 * `MEMFABRIC_DATA_DIR = dataDir` (empty: the command's own default); never throws on a non-zero
 * exit, the outcome says it.
 */
export async function memfabric(dataDir: string, ...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [memfabricBin, ...args], {
      env: { ...process.env, MEMFABRIC_EMBEDDER: 'hash', MEMFABRIC_MASTER_KEY: '', MEMFABRIC_DATA_DIR: dataDir },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The last stdout line parsed as JSON (the `--json` summary). */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** The session keys of a LoCoMo conversation that hold turns (`session_1`, ...). */
export function sessionKeys(sample: LocomoSample): string[] {
  return Object.keys(sample.conversation).filter((k) => /^session_\d+$/.test(k) && Array.isArray(sample.conversation[k]));
}
