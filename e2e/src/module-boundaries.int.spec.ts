import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Lints `code` as a file at `file` (relative to the repository root). The probe is written to
 * disk for the duration of the lint because type-aware rules need it in a TypeScript project.
 */
async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const target = path.join(root, file);
  writeFileSync(target, code);
  try {
    const [result] = await eslint.lintFiles([target]);
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
  } finally {
    rmSync(target, { force: true });
  }
}

describe('architecture rules are enforced by lint, not review', { timeout: 120_000 }, () => {
  it('forbids a domain library from importing an adapter', async () => {
    const messages = await lint('libs/events/src/probe.ts', "import { SqliteEventLog } from '@memfabric/event-log-sqlite';\nexport const x = SqliteEventLog;\n");
    expect(messages.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('forbids a port library from importing a service', async () => {
    const messages = await lint('libs/event-log/src/probe.ts', "import { createProgram } from '@memfabric/cli';\nexport const x = createProgram;\n");
    expect(messages.some((m) => m.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('forbids Node built-ins and backend clients in domain code', async () => {
    const fsImport = await lint('libs/events/src/probe-fs.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    expect(fsImport.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
    const client = await lint('libs/locomo/src/probe.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n");
    expect(client.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
  });

  it('lets an adapter import its port and the domain', async () => {
    const messages = await lint(
      'libs/event-log-sqlite/src/probe.ts',
      "import { dedupeKey } from '@memfabric/event-log';\nimport { newEventId } from '@memfabric/events';\nexport const x = [dedupeKey, newEventId];\n",
    );
    expect(messages).toEqual([]);
  });
});
