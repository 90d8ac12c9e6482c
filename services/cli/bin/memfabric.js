#!/usr/bin/env node
// Runs the built CLI (dist/) when present; otherwise the TypeScript sources through tsx, so the
// command also works in a checkout that has not been built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/main.js', import.meta.url);
if (existsSync(fileURLToPath(dist))) {
  await import(dist.href);
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--conditions=@memfabric/source', '--import', import.meta.resolve('tsx'), source, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
