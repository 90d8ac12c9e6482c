/**
 * Worker thread of {@link SealPool}: seals the chunks posted on its port (see `sealChunk`)
 * and answers each with `{ ticket, outcomes }` on the same port, then bumps the shared counter
 * and wakes the writer, which may be blocked in `Atomics.wait` inside a SQLite transaction.
 * Sends `{ ready: true }` once loaded.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { AesGcmContentCipher, nodeSha256Hex } from '@memfabric/crypto';
import { sealChunk, type SealChains, type SealChunk } from './seal-chunk.js';

const { port, signal } = workerData as { port: MessagePort; signal: SharedArrayBuffer };
const counter = new Int32Array(signal);
const cipher = new AesGcmContentCipher();
const chains: SealChains = new Map();

function wake(): void {
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}

port.on('message', (message: { ticket: number; chunk: SealChunk }) => {
  port.postMessage({ ticket: message.ticket, outcomes: sealChunk(message.chunk, cipher, chains, nodeSha256Hex) });
  wake();
});
port.postMessage({ ready: true });
wake();
