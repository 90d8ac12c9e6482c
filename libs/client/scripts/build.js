// Builds the publishable client into dist/: one ES module per entry point with every workspace
// module it uses bundled in (the published package has no dependencies), and the declarations
// emitted by tsc from the sources, whose types come from src/generated (no engine package).
import { rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const dist = path.join(pkg, 'dist');

await rm(dist, { recursive: true, force: true });
await build({
  absWorkingDir: pkg,
  entryPoints: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@memfabric/source'],
  sourcemap: false,
  // CommonJS dependencies bundled into an ES module may still call require() for Node built-ins.
  banner: { js: "import { createRequire as __memfabricCreateRequire } from 'node:module';\nconst require = __memfabricCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(pkg, 'tsconfig.build.json'), '--emitDeclarationOnly', '--customConditions', '@memfabric/source', '--preserveSymlinks'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
