import type { Command } from 'commander';
import { EmbeddedFabric, embedderFromEnv } from '@memfabric/embedded';
import type { RunProgress } from '@memfabric/projections';
import { resolveDataDir } from './cli.config.js';
import type { Output } from './output.js';
import { globalOptions } from './program.js';

/** Opens the embedded fabric of the command's data directory. */
export function openFabric(command: Command): Promise<EmbeddedFabric> {
  const config = resolveDataDir(globalOptions(command).dataDir, process.env);
  return EmbeddedFabric.open({ dataDir: config.dataDir, masterKey: config.masterKey, embedder: embedderFromEnv(process.env) });
}

/**
 * A progress callback drawing one bar per projection (on a terminal only).
 * @returns the callback and a function that closes the open bar.
 */
export function projectionProgress(out: Output, verb: string): { onProgress: (p: RunProgress) => void; done: () => void } {
  let current: { name: string; bar: ReturnType<Output['progress']>; seen: number } | undefined;
  return {
    onProgress: (p) => {
      if (current?.name !== `${p.projection}:${p.generation}`) {
        current?.bar.stop();
        current = { name: `${p.projection}:${p.generation}`, bar: out.progress(`${verb} ${p.projection}`, p.total), seen: 0 };
      }
      current.bar.increment(p.processed - current.seen);
      current.seen = p.processed;
    },
    done: () => current?.bar.stop(),
  };
}
