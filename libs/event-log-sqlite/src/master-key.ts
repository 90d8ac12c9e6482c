import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '@memfabric/errors';
import { newKeyMaterial } from '@memfabric/crypto';

/**
 * Reads the 32-byte master key (base64) from `file`, creating it with mode 0600 (its directory
 * 0700) when missing; an existing file readable by group or others is set to 0600 (left as it
 * is when this process may not change it, e.g. a read-only mount of a secret).
 * Production deployments pass the key from a secret store instead (`MEMFABRIC_MASTER_KEY`).
 * @throws ConfigurationError when the file exists but does not hold 32 bytes of base64.
 */
export function loadOrCreateMasterKey(file: string): Uint8Array {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${newKeyMaterial().toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } else if ((statSync(file).mode & 0o077) !== 0) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'EROFS') throw error;
    }
  }
  return parseMasterKey(readFileSync(file, 'utf8').trim(), file);
}

/**
 * Decodes a base64 master key.
 * @param origin - where the value came from, for the error message.
 * @throws ConfigurationError unless it decodes to exactly 32 bytes.
 */
export function parseMasterKey(base64: string, origin: string): Uint8Array {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) {
    throw new ConfigurationError(`${origin}: master key must be 32 bytes of base64 (got ${key.length} bytes); generate one with \`openssl rand -base64 32\``);
  }
  return key;
}
