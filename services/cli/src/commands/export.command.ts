import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describeExportFailure } from '@memfabric/audit';
import { dataDirOf, openAudit, openFabric, requireTenant } from '../fabric.js';
import type { Output } from '../output.js';

/**
 * `memfabric export --tenant T --out DIR` (signed bundle: events exactly as stored, checkpoints,
 * manifest and its Ed25519 signature) and `memfabric verify-export DIR [--public-key FILE]`
 * (offline: exit 1 and one line naming the first altered or missing event).
 */
export function registerExport(program: Command, output: () => Output): void {
  program
    .command('export')
    .description("write a tenant's signed export bundle (events.jsonl as stored, checkpoints.jsonl, manifest.json, manifest.sig)")
    .requiredOption('--tenant <tenant>', 'tenant to export')
    .requiredOption('--out <dir>', 'new or empty directory')
    .action(async (opts: { tenant: string; out: string }, command: Command) => {
      const out = output();
      const config = dataDirOf(command);
      const fabric = await openFabric(command);
      try {
        await requireTenant(fabric, opts.tenant);
        const audit = await openAudit(fabric, config);
        let bar: ReturnType<Output['progress']> | undefined;
        let seen = 0;
        const result = await audit.export(opts.tenant, path.resolve(opts.out), (written, total) => {
          bar ??= out.progress(`export ${opts.tenant}`, total);
          bar.increment(written - seen);
          seen = written;
        });
        bar?.stop();
        const m = result.manifest;
        out.summary(
          { dir: result.dir, tenant: m.tenantid, events: m.counts.events, streams: m.counts.streams, checkpoints: m.counts.checkpoints, keyId: m.signing.keyid },
          `exported ${m.counts.events} event(s) in ${m.counts.streams} stream(s) of ${m.tenantid} to ${result.dir} (key ${m.signing.keyid}; public key in manifest.json and ${path.join(config.dataDir, 'audit-signing.pub')})`,
        );
      } finally {
        await fabric.close();
      }
    });

  program
    .command('verify-export')
    .description('check an export bundle offline with only the public key; exit 1 naming the first altered or missing event')
    .argument('<dir>', 'the bundle directory')
    .option('--public-key <file>', "the signer's public key (SPKI PEM); default the key the manifest carries (self-asserted)")
    .action(async (dir: string, opts: { publicKey?: string }) => {
      const out = output();
      const { verifyExportDirectory } = await import('@memfabric/audit-node');
      const publicKeyPem = opts.publicKey === undefined ? undefined : readFileSync(opts.publicKey, 'utf8');
      const report = verifyExportDirectory(path.resolve(dir), publicKeyPem);
      if (!report.valid && report.firstFailure) {
        out.failure('export_invalid', `export does not verify: ${describeExportFailure(report.firstFailure)}`);
      }
      const key = report.publicKeySource === 'pinned' ? 'the given public key' : "the manifest's own public key (pass --public-key to pin it)";
      out.summary(report, report.valid ? `valid: ${report.events} event(s) in ${report.streams} stream(s), ${report.checkpoints} checkpoint(s), signed by ${report.keyid} (checked with ${key})` : 'INVALID');
    });
}
