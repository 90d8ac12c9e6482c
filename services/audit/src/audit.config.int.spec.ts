import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAuditConfig, readAuditConfig } from './audit.config.js';

describe('audit configuration: the signing key file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-audit-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('MEMFABRIC_AUDIT_SIGNING_KEY_FILE naming an Ed25519 PEM is read as an absolute path; unset leaves the data directory key', () => {
    const file = path.join(dir, 'signing.pem');
    writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
    const relative = path.relative(process.cwd(), file);
    expect(loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_AUDIT_SIGNING_KEY_FILE: relative }).signingKeyFile).toBe(file);
    expect(loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_AUDIT_SIGNING_KEY_FILE: ' ' })).not.toHaveProperty('signingKeyFile');
  });

  it('a missing, unreadable or non-Ed25519 key file is one configuration problem line naming the variable and the file', () => {
    const rsa = path.join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const garbage = path.join(dir, 'garbage.pem');
    writeFileSync(garbage, 'hello');
    const cases: [string, RegExp][] = [
      [path.join(dir, 'absent.pem'), /no such file/],
      [dir, /is a directory/],
      [garbage, /not a PEM private key/],
      [rsa, /must be an Ed25519 private key, got rsa/],
    ];
    for (const [file, why] of cases) {
      const read = readAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_AUDIT_SIGNING_KEY_FILE: file });
      expect(read.config, file).toBeUndefined();
      expect(read.problems, file).toHaveLength(1);
      const [line] = read.problems;
      expect(line, file).toMatch(/^MEMFABRIC_AUDIT_SIGNING_KEY_FILE: /);
      expect(line, file).toContain(file);
      expect(line, file).toMatch(why);
      expect(line, file).not.toContain('\n');
    }
    expect(() => loadAuditConfig({ MEMFABRIC_DATA_DIR: dir, MEMFABRIC_AUDIT_SIGNING_KEY_FILE: garbage })).toThrow(/invalid audit configuration:\n {2}- MEMFABRIC_AUDIT_SIGNING_KEY_FILE: .*garbage\.pem/);
  });
});
