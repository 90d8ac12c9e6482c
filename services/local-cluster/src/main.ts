/**
 * `npm run cluster`: the cluster on this machine — librdkafka's mock cluster and every service
 * as its own OS process on loopback — until Ctrl-C. Prints the services' URLs, log files and the
 * admin token file. `--dir D` (default `./data-cluster`, wiped at start: the mock cluster keeps
 * nothing across starts), `--partitions N`, `--projectors N`.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startLocalCluster } from './local-cluster.js';

const count = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  return n;
};

const program = new Command('memfabric-cluster')
  .description('Runs the memfabric cluster on this machine (mock Kafka + one process per service)')
  .option('--dir <dir>', 'directory of the services\' data and logs (wiped at start)', './data-cluster')
  .option('--partitions <n>', 'partitions of the events topic', count(1, 64), 3)
  .option('--projectors <n>', 'replicas of the extraction projector', count(0, 8), 2)
  .showHelpAfterError();
program.parse();
const options = program.opts<{ dir: string; partitions: number; projectors: number }>();
const dir = path.resolve(options.dir);
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`starting the mock Kafka cluster and the services (data and logs in ${dir}) ...\n`);
try {
  const cluster = await startLocalCluster({ dir, partitions: options.partitions, projectors: options.projectors });
  process.stdout.write(`memfabric cluster is running on Kafka at ${cluster.brokers.join(',')}\n`);
  for (const s of cluster.services) process.stdout.write(`  ${s.name.padEnd(14)} ${s.url}   pid ${s.pid() ?? '?'}   log ${s.logFile}\n`);
  process.stdout.write(`admin token (Authorization: Bearer): ${path.join(dir, 'admin.token')}\n`);
  process.stdout.write(`try: curl -H "authorization: Bearer $(cat ${path.join(dir, 'admin.token')})" ${cluster.gateway.url}/v1/recall/presets\n`);
  process.stdout.write('Ctrl-C stops every service.\n');
  const stop = () => {
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`memfabric cluster: did not stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`memfabric cluster: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
