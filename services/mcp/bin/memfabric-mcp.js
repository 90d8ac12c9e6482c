#!/usr/bin/env node
// In a source checkout (src/ present and tsx installed) runs the TypeScript sources through tsx,
// so the command never runs a stale build; an installed package (dist/ only) runs the build.
// stdin/stdout/stderr are inherited: in stdio mode they carry the MCP protocol unchanged.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function resolveTsx() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = existsSync(source) ? resolveTsx() : undefined;
if (tsx) {
  const child = spawn(process.execPath, ['--conditions=@memfabric/source', '--import', tsx, source, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
