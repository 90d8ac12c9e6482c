import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64url, fromBase64url, type SignatureVerifier, type Signer } from '../signing.js';
import { checkpointBody, checkSignedCheckpoint, compareHeads, headsRoot, signCheckpoint, type StreamHead } from './checkpoint.js';

function testSigner(): { signer: Signer; verifier: SignatureVerifier } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const signer: Signer = {
    keyId: 'k1',
    publicKeyPem,
    publicKeyJwk: publicKey.export({ format: 'jwk' }) as Record<string, string>,
    sign: (message) => Promise.resolve(new Uint8Array(sign(null, message, privateKey))),
  };
  const verifier: SignatureVerifier = { verify: (message, signature, pem) => verify(null, message, createPublicKey(pem), signature) };
  return { signer, verifier };
}

const head = (streamid: string, n: number): StreamHead => ({ streamid, streamposition: n, id: `${streamid}-${n}`, hash: createHash('sha256').update(`${streamid}${n}`).digest('hex') });

describe('checkpoints', () => {
  it('base64url round-trips every length', () => {
    for (let n = 0; n < 40; n += 1) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      expect(base64url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect([...fromBase64url(base64url(bytes))]).toEqual([...bytes]);
    }
  });

  it('the Merkle root is independent of head order, changes with any head, and follows RFC 6962 splits', () => {
    const heads = [head('a', 1), head('b', 4), head('c', 2)];
    expect(headsRoot(heads)).toBe(headsRoot([...heads].reverse()));
    expect(headsRoot(heads)).not.toBe(headsRoot([head('a', 1), head('b', 5), head('c', 2)]));
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const leaf = (h: StreamHead) => sha(`\u0000${JSON.stringify({ hash: h.hash, id: h.id, streamid: h.streamid, streamposition: h.streamposition })}`);
    // three leaves: split at 2 -> node(node(a, b), c)
    expect(headsRoot(heads)).toBe(sha(`\u0001${sha(`\u0001${leaf(heads[0]!)}${leaf(heads[1]!)}`)}${leaf(heads[2]!)}`));
    expect(headsRoot([])).toBe(sha(''));
  });

  it('signs as EdDSA JWS and verifies with only the public key; any change to the body or key fails', async () => {
    const { signer, verifier } = testSigner();
    const body = checkpointBody('t', [head('s2', 3), head('s1', 7)], 41, '2024-01-01T00:00:00.000Z', signer.keyId);
    expect(body.heads.map((h) => h.streamid)).toEqual(['s1', 's2']);
    expect(body.events).toBe(10);
    const signed = await signCheckpoint(body, signer);
    expect(JSON.parse(Buffer.from(signed.jws.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: 'k1', typ: 'memfabric-checkpoint+json' });
    expect(checkSignedCheckpoint(signed, signer.publicKeyPem, verifier)).toBeUndefined();
    expect(checkSignedCheckpoint({ ...signed, checkpoint: { ...body, position: 42 } }, signer.publicKeyPem, verifier)).toMatch(/differs from the signed payload/);
    const other = testSigner();
    expect(checkSignedCheckpoint(signed, other.signer.publicKeyPem, verifier)).toMatch(/does not verify/);
    const flipped = signed.jws.slice(0, -2) + (signed.jws.at(-2) === 'A' ? 'B' : 'A') + signed.jws.at(-1)!;
    expect(checkSignedCheckpoint({ ...signed, jws: flipped }, signer.publicKeyPem, verifier)).toBeDefined();
  });

  it('compares heads with the events present: missing, replaced and rewritten heads are named', () => {
    const body = checkpointBody('t', [head('s1', 2), head('s2', 1)], 3, '2024-01-01T00:00:00.000Z', 'k');
    const present = new Map([['s1:2', { id: 's1-2', hash: head('s1', 2).hash }], ['s2:1', { id: 's2-1', hash: head('s2', 1).hash }]]);
    const lookup = (s: string, p: number) => present.get(`${s}:${p}`);
    expect(compareHeads(body, lookup)).toBeUndefined();
    present.set('s2:1', { id: 's2-1', hash: 'f'.repeat(64) });
    expect(compareHeads(body, lookup)).toMatchObject({ streamid: 's2', streamposition: 1, eventId: 's2-1', missing: false, reason: expect.stringMatching(/rewritten/) as unknown });
    present.delete('s1:2');
    expect(compareHeads(body, lookup)).toMatchObject({ streamid: 's1', streamposition: 2, eventId: 's1-2', missing: true });
  });
});
