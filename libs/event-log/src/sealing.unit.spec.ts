import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, normalizeEvent } from '@memfabric/events';
import type { ContentCipher, ContentKey, SealedContent } from './key-vault.js';
import { completeSeal, presealEvent, sealEvent, verifyChain } from './sealing.js';

/** A deterministic stand-in for AES-GCM, so two seals of one event give one ciphertext. */
const fixedCipher: ContentCipher = {
  encrypt: (plaintext: Uint8Array, key: ContentKey, aad: string): SealedContent => ({
    alg: 'A256GCM', keyid: key.keyid, iv: aad, ciphertext: Buffer.from(plaintext).toString('base64url'), tag: 't',
  }),
  decrypt: (sealed: SealedContent) => Buffer.from(sealed.ciphertext, 'base64url'),
};
const key: ContentKey = { keyid: 'k1', key: new Uint8Array(32) };
const event = (content: string, batchid?: string) =>
  normalizeEvent({
    source: 'urn:memfabric:test', type: 'interaction.recorded', time: '2023-05-08T13:56:00.000Z', tenantid: 't', streamid: 's',
    actor: 'caroline', data: { kind: 'message', role: 'user', content }, ...(batchid ? { batchid } : {}),
  });

describe('presealing then completing a seal', () => {
  it('stores and hashes the record sealEvent gives', () => {
    const context = { recordedat: '2024-01-01T00:00:00.000Z', batchid: 'b1' };
    let prevhash = GENESIS_HASH;
    const chain = [];
    for (const [i, e] of [event('one'), event('two', 'own-batch'), event('three é 😀')].entries()) {
      const reference = sealEvent(e, { ...context, streamposition: i + 1, prevhash }, key, fixedCipher);
      const completed = completeSeal(presealEvent(e, context, key, fixedCipher), i + 1, prevhash);
      expect(JSON.parse(completed.record)).toEqual(reference.record);
      expect(completed).toMatchObject({ prevhash, hash: reference.hash });
      chain.push({ record: JSON.parse(completed.record) as typeof reference.record, prevhash, hash: completed.hash });
      prevhash = completed.hash;
    }
    expect(chain[1]!.record.batchid).toBe('own-batch');
    expect(verifyChain(chain)).toBeUndefined();
  });

  it('throws what canonical JSON throws on an unrepresentable attribute', () => {
    const bad = { ...event('x'), subject: '\uD800' };
    expect(() => presealEvent(bad, { recordedat: '2024-01-01T00:00:00.000Z', batchid: 'b' }, key, fixedCipher)).toThrow(TypeError);
  });
});
