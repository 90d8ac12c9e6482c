import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memfabric, repoRoot } from './support/memfabric-cli.js';

/**
 * The README's "Using it" block is a test: every `npx memfabric ...` line runs as written (on the
 * repository's own `samples/`, in a fresh data directory, with the hash embedder) and exits 0,
 * and a `# {...}` line under a command is the JSON summary that command prints. Lines naming a
 * value the reader substitutes (`<rollback event id>`) are the only ones not run.
 */

/** Splits a shell command line into words: single and double quotes, no expansion. */
function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

interface Step {
  readonly args: string[];
  readonly line: string;
  expectJson?: unknown;
}

function usingItSteps(readme: string, exportDir: string): { steps: Step[]; skipped: string[] } {
  const section = readme.slice(readme.indexOf('## Using it'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README has no ```sh block under "## Using it"');
  const steps: Step[] = [];
  const skipped: string[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('# ')) {
      const json = /^# (\{.*?\})(\s|$)/.exec(line)?.[1];
      const last = steps.at(-1);
      if (json !== undefined && last) last.expectJson = JSON.parse(json) as unknown;
      continue;
    }
    if (!line.startsWith('npx memfabric')) continue;
    const command = line.replace(/\s{2,}#.*$/, '').replaceAll('/tmp/acme', exportDir);
    if (/<[^>]+>/.test(command)) {
      skipped.push(command);
      continue;
    }
    for (const part of command.split(' && ')) steps.push({ args: words(part).slice(2), line: part });
  }
  return { steps, skipped };
}

describe("the README's Using it", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs as written on the repository samples', async () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const { steps, skipped } = usingItSteps(readme, path.join(dir, 'export'));
    expect(steps.length).toBeGreaterThan(12);
    expect(skipped.length).toBeLessThanOrEqual(2);
    const data = path.join(dir, 'data');
    for (const step of steps) {
      const outcome = await memfabric(data, ...step.args);
      expect(outcome.code, `${step.line}\n${outcome.stderr}`).toBe(0);
      if (step.expectJson !== undefined) {
        const lines = outcome.stdout.trim().split('\n');
        expect(JSON.parse(lines.at(-1)!) as unknown, step.line).toEqual(step.expectJson);
      }
    }
  });
});
