import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The NLP libraries of the extraction stage: a thin HTTP client has no use for them. */
const NLP = ['compromise', 'wink-nlp', 'wink-eng-lite-web-model', 'chrono-node'];
/** The workspace packages the client may reach: the typed errors and the wire contract, nothing of the engine. */
const ALLOWED_WORKSPACE = ['@memfabric/client', '@memfabric/errors', '@memfabric/events'];

interface LsNode {
  readonly dependencies?: Readonly<Record<string, LsNode>>;
}

/** Every package name in an `npm ls --json` tree. */
function names(node: LsNode, out = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    out.add(name);
    names(child, out);
  }
  return out;
}

/** The client's dependency closure as `npm ls` reports it (`--omit=dev`: what an install of the package pulls). */
async function closure(omitDev: boolean): Promise<Set<string>> {
  const args = ['ls', '--workspace', '@memfabric/client', '--all', '--json', ...(omitDev ? ['--omit=dev'] : [])];
  const { stdout } = await run(npm, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return names(JSON.parse(stdout) as LsNode);
}

describe('the client depends on no engine package', { timeout: 60_000 }, () => {
  it('npm ls --omit=dev: nothing but the client itself', async () => {
    expect([...(await closure(true))]).toEqual(['@memfabric/client']);
  });

  it('npm ls with dev dependencies (what the bundle is built from): no NLP library, no @memfabric package but errors and events', async () => {
    const all = await closure(false);
    expect(all.has('@memfabric/client')).toBe(true);
    expect(NLP.filter((name) => all.has(name))).toEqual([]);
    expect([...all].filter((name) => name.startsWith('@memfabric/') && !ALLOWED_WORKSPACE.includes(name))).toEqual([]);
  });
});
