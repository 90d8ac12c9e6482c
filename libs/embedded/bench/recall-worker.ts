/**
 * Child-process entry of the recall benchmark: `recall-worker.ts <role> <config JSON>` with role
 * `build`, `serve` or `use-embed`. Reports progress and the result to the driver
 * (`recall.bench.ts`) over the IPC channel, so each phase's peak RSS is measured alone.
 */
import { runBuild, type BuildConfig } from './recall-build.js';
import { runServe, type ServeConfig } from './recall-serve.js';
import type { ChildMessage } from './recall-stats.js';
import { runUseEmbed, type UseEmbedConfig } from './recall-use-embed.js';

const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    }
  });
const say = (text: string) => void send({ kind: 'progress', text });

const [role, json] = process.argv.slice(2);
try {
  const config: unknown = JSON.parse(json ?? '{}');
  switch (role) {
    case 'build':
      await send(await runBuild(config as BuildConfig, say));
      break;
    case 'serve':
      await send(await runServe(config as ServeConfig, say));
      break;
    case 'use-embed':
      await send(await runUseEmbed(config as UseEmbedConfig, say));
      break;
    default:
      throw new Error(`unknown role ${String(role)}: use build, serve or use-embed`);
  }
} catch (error) {
  const e = error as Error;
  await send({ kind: 'error', message: e?.message ?? String(error), ...(e?.stack ? { stack: e.stack } : {}) });
  process.exitCode = 1;
}
process.disconnect?.();
