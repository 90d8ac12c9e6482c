import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAuditSigner, loadOrCreateSigningKey, signerFromKeyFile, SIGNING_KEY_FILES } from './ed25519.js';

describe('audit signing keys from a provisioned file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-signing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const target = path.join(dir, name);
    writeFileSync(target, text, { mode: 0o400 });
    return target;
  };
  const ed25519Pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('signs with the key of the file, writes nothing beside it and prefers it over the data directory', async () => {
    const keyFile = file('secret.pem', ed25519Pem());
    const before = readdirSync(dir);
    const signer = signerFromKeyFile(keyFile);
    expect(readdirSync(dir)).toEqual(before);
    expect((await signer.sign(new Uint8Array([1, 2, 3]))).length).toBe(64);
    const dataDir = path.join(dir, 'data');
    expect(loadAuditSigner({ keyFile, dataDir }).keyId).toBe(signer.keyId);
    expect(readdirSync(dir)).toEqual(before); // the data directory was not even created
    const own = loadAuditSigner({ dataDir });
    expect(own.keyId).toBe(loadOrCreateSigningKey(dataDir).keyId);
    expect(own.keyId).not.toBe(signer.keyId);
    expect(readdirSync(dataDir).sort()).toEqual([SIGNING_KEY_FILES.privateKey, SIGNING_KEY_FILES.publicKey].sort());
  });

  it('an unusable file is a one-line configuration error naming the file and what it must hold', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cases: [string, RegExp][] = [
      [path.join(dir, 'missing.pem'), /missing\.pem: no such file; it must hold an Ed25519 private key as PKCS #8 PEM/],
      [dir, /is a directory, not a key file/],
      [file('garbage.pem', 'not a key'), /garbage\.pem: not a PEM private key; it must hold an Ed25519 private key/],
      [file('rsa.pem', rsa), /rsa\.pem: the audit signing key must be an Ed25519 private key, got rsa/],
    ];
    for (const [target, message] of cases) {
      let error: unknown;
      try {
        signerFromKeyFile(target);
      } catch (caught) {
        error = caught;
      }
      expect(error, target).toMatchObject({ code: 'configuration_invalid', message: expect.stringMatching(message) as unknown });
      expect((error as Error).message, target).not.toContain('\n');
      expect((error as Error).message, target).toContain(target);
    }
    expect(() => loadAuditSigner({})).toThrow(/needs a signing key/);
  });
});
