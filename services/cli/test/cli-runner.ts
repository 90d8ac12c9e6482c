import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `memfabric` binary of this checkout. */
export const cliBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/memfabric.js');

/** What one run of the binary produced. */
export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without any MEMFABRIC_* variable of the machine running the tests, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MEMFABRIC_')));
  return { ...env, ...extra };
}

/** Runs `memfabric --data-dir dataDir ...args` in {@link cleanEnv}(`extraEnv`); never throws on a non-zero exit. */
export async function runCli(dataDir: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliBin, '--data-dir', dataDir, ...args], { env: cleanEnv(extraEnv) });
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
