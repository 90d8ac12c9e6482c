import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '@memfabric/embeddings';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import { NlpExtractor } from '@memfabric/extraction/nlp';
import type { ExtractionInput, Extractor } from '@memfabric/extraction';
import { EmbeddedFabric } from './embedded-fabric.js';

/** The NLP extractor, recording each call of the port it receives. */
class RecordingExtractor implements Extractor {
  readonly calls: string[] = [];
  private readonly inner = new NlpExtractor();
  readonly name = this.inner.name;
  readonly version = this.inner.version;
  extract(input: ExtractionInput) {
    this.calls.push('extract');
    return this.inner.extract(input);
  }
  warm(): Promise<void> {
    this.calls.push('warm');
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.calls.push('close');
    return Promise.resolve();
  }
}

describe('the extraction stage’s extractor in the embedded fabric', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-extractor-lifecycle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is warmed on warm(), used by the extraction stage and closed with the fabric', async () => {
    const extractor = new RecordingExtractor();
    const fabric = await EmbeddedFabric.open({ dataDir: path.join(dir, 'a'), masterKey: randomBytes(32), embedder: new HashEmbedder(), embeddingCache: false, extractor });
    expect(extractor.calls).toEqual([]); // opening loads nothing: most CLI commands never extract
    await fabric.warm();
    const tenant = uniqueTenant('lifecycle');
    await fabric.log.append([interaction(tenant, 's1', 'Ana moved to Porto last May.')]);
    await fabric.catchUp();
    await fabric.close();
    expect(extractor.calls).toEqual(['warm', 'extract', 'close']);
  });

  it('warms an extractor without warm() as a no-op', async () => {
    const inner = new NlpExtractor();
    const fabric = await EmbeddedFabric.open({ dataDir: path.join(dir, 'b'), masterKey: randomBytes(32), embedder: new HashEmbedder(), embeddingCache: false, extractor: { name: inner.name, version: inner.version, extract: (input) => inner.extract(input) } });
    try {
      await expect(fabric.warm()).resolves.toBeUndefined();
    } finally {
      await fabric.close();
    }
  });
});
