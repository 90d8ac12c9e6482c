import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedAuditedFabric, eraseSubject } from '@memfabric/audit-node';
import { EmbeddedFabric } from '@memfabric/embedded';
import { HashEmbedder } from '@memfabric/embeddings';
import { normalizeEvent, type NewEvent } from '@memfabric/events';
import { loadOrCreateMasterKey } from '@memfabric/event-log-sqlite';

/**
 * Erasure leaves nothing readable: a conversation between two data subjects is ingested into an
 * embedded fabric and projected (memory units, vectors + FTS5, extraction, graph, analytics);
 * one subject is erased; then the raw bytes of every file under the data directory (database,
 * `-wal`, `-shm`, HNSW files, chDB's directory, keys) are searched for that subject's sentences
 * and for a nonce word of each (what the full-text index keeps is single terms). Before the
 * erasure the same search finds them, so the search is shown to work; after it the other
 * subject's sentences are still on disk and recallable. Every data file is owner-only.
 */

const TENANT = 'acme';
const ERASED = 'nadia';
const KEPT = 'tomas';

/** Each of Nadia's turns carries a nonce word (lower case, as FTS5 indexes it). */
const NADIA = [
  'I keep my grandmother’s violin in a zorblaxian cedar case under the stairs',
  'My sister Ilse teaches glassblowing at the quennifort studio in Leuven',
  'The allergist said my reaction to hazelnuts is severe, so I carry a vravelight pen',
  'I moved into flat 4B on Marrowgate Terrace after the frimbleton divorce was settled',
  'Every Thursday I swim forty lengths at the old plovercrest lido before work',
  'My therapist suggested writing letters to my late father in a snarvick notebook',
  'I failed the driving test twice because of the roundabout near Quistley mill',
  'Our cat Pemberton only eats the drabwhistle brand of salmon pâté',
  'I was diagnosed with a thyroid condition in March and take glimmerex every morning',
  'The bank flagged my account after a transfer to the yorvantic credit union',
  'I sing alto in the Saint Brennoc choir and we perform the florimant mass in June',
  'My passport expires next spring and the renewal form is in the kelderhaven folder',
];
const NADIA_NONCES = ['zorblaxian', 'quennifort', 'vravelight', 'frimbleton', 'plovercrest', 'snarvick', 'quistley', 'drabwhistle', 'glimmerex', 'yorvantic', 'florimant', 'kelderhaven'];

const TOMAS = [
  'I repair vintage motorbikes in a garage behind the Holloway bakery',
  'My daughter started learning the cello with a teacher called Mrs Arbuthnot',
  'We are planning a hiking trip through the Picos de Europa in September',
  'I brew a smoked porter with beechwood malt every winter',
  'The allotment committee elected me treasurer for the next two years',
  'I broke my wrist skateboarding when I was fourteen and it still aches in the cold',
  'My favourite book is a battered copy of The Master and Margarita',
  'I volunteer at the river cleanup on the first Saturday of every month',
  'Our neighbours gave us a sourdough starter they have kept alive since 1998',
  'I have been learning Portuguese on the train to prepare for Lisbon',
  'The football club asked me to coach the under-twelves on Sunday mornings',
  'I collect enamel railway signs from stations that closed in the sixties',
];

const FILLER_WORDS = ['apples', 'bread', 'candles', 'detergent', 'eggs', 'flour', 'grapes', 'honey', 'ink', 'jam', 'kale', 'lemons', 'milk'];

function turn(actor: string, content: string, minute: number): NewEvent {
  return normalizeEvent({
    source: 'urn:memfabric:test',
    type: 'interaction.recorded',
    time: new Date(Date.UTC(2024, 4, 1, 12, minute)).toISOString(),
    tenantid: TENANT,
    streamid: 'conversation-1',
    actor,
    datasubject: actor,
    data: { kind: 'message', role: 'user', content, speaker: actor[0]!.toUpperCase() + actor.slice(1) },
  });
}

/** Every regular file under `dir`, recursively (a directory chDB removes meanwhile is skipped). */
function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

/** For each needle, the files (relative to `dir`) whose raw bytes contain it (UTF-8, or latin1 for binary). */
function filesHolding(dir: string, needles: readonly string[], encoding: BufferEncoding = 'utf8'): Map<string, string[]> {
  const contents = filesUnder(dir).flatMap((file) => {
    try {
      return [{ file: path.relative(dir, file), bytes: readFileSync(file) }];
    } catch (error) {
      // chDB merges parts in the background: a temporary part may be gone by the time it is read
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  });
  return new Map(needles.map((needle) => [needle, contents.filter((c) => c.bytes.includes(needle, 0, encoding)).map((c) => c.file)]));
}

const hits = (found: Map<string, string[]>) => [...found].filter(([, files]) => files.length > 0);
const mode = (file: string) => statSync(file).mode & 0o777;

describe('erasure residue: no file of the data directory keeps an erased subject’s plaintext', { timeout: 300_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'memfabric-residue-'));
  const dataDir = path.join(root, 'data');
  const embedder = new HashEmbedder();
  let masterKey: Uint8Array;
  let fabric: EmbeddedFabric;
  let nadiaVectors: string[] = [];

  beforeAll(async () => {
    masterKey = loadOrCreateMasterKey(path.join(dataDir, 'master.key'));
    fabric = await EmbeddedFabric.open({ dataDir, masterKey, embedder, batchSize: 50 });
    const events = NADIA.flatMap((sentence, i) => [turn(ERASED, sentence, 2 * i), turn(KEPT, TOMAS[i]!, 2 * i + 1)]);
    await fabric.log.append(events);
    await fabric.catchUp();
    // more than the exact-search threshold (2,000 points of a tenant), so the tenant's vectors
    // are also kept in an HNSW graph, saved to a file beside the database on close
    const filler = Array.from({ length: 2100 }, (_, i) => turn(KEPT, `Shopping list item ${i}: ${FILLER_WORDS[i % FILLER_WORDS.length]} and ${FILLER_WORDS[(i * 7) % FILLER_WORDS.length]}`, 40 + (i % 1000)));
    for (let i = 0; i < filler.length; i += 500) await fabric.log.append(filler.slice(i, i + 500));
    await fabric.catchUp();
    // a later batch: the subject's pages are rewritten by other writes, as in a running fabric
    await fabric.log.append([turn(KEPT, 'I forgot to mention that I also keep bees on the allotment', 30)]);
    await fabric.catchUp();
    expect((await fabric.runtime.status()).map((s) => s.lag)).toEqual(fabric.projections.map(() => 0));
    // the embeddings of the subject's units (float32 bytes, as the rows and usearch keep them)
    const indexes = fabric.vectorIndexes()!;
    nadiaVectors = fabric.log.db
      .prepare<[string, string], { vector: Buffer }>(`SELECT vector FROM ${indexes.vectors.tablePrefix}_points WHERE tenant = ? AND actor = ?`)
      .all(TENANT, ERASED)
      .map((r) => r.vector.toString('latin1', 0, 64));
    // build and save the tenant's HNSW graph, as a running fabric does on close
    const [query] = await embedder.embed(['shopping list']);
    indexes.vectors.searchSync({ tenant: TENANT, vector: query!, k: 5 });
    expect(indexes.vectors.saveIndexFiles()).toBe(1);
  });
  afterAll(async () => {
    await fabric?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the search finds the subject’s sentences and terms on disk before the erasure', () => {
    expect(NADIA.every((s) => s.length >= 20)).toBe(true);
    const sentences = filesHolding(dataDir, NADIA);
    expect(hits(sentences).length).toBe(NADIA.length);
    // the memory units keep the text in memfabric.db or its WAL
    for (const [, files] of sentences) expect(files.some((f) => f.startsWith('memfabric.db'))).toBe(true);
    expect(hits(filesHolding(dataDir, NADIA_NONCES)).length).toBe(NADIA_NONCES.length);
    expect(hits(filesHolding(dataDir, TOMAS)).length).toBe(TOMAS.length);
    // the embeddings are in the vector rows and in the saved HNSW file
    expect(nadiaVectors.length).toBe(NADIA.length);
    for (const [, files] of filesHolding(dataDir, nadiaVectors, 'latin1')) {
      expect(files.some((f) => f.startsWith('memfabric.db'))).toBe(true);
      expect(files.some((f) => f.endsWith('.usearch'))).toBe(true);
    }
  });

  it('erasing a subject unknown in the tenant is a NotFoundError and appends nothing', async () => {
    const end = await fabric.log.end();
    await expect(eraseSubject(embeddedAuditedFabric(fabric), TENANT, 'nobody')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(eraseSubject(embeddedAuditedFabric(fabric), 'other-tenant', ERASED)).rejects.toMatchObject({ code: 'not_found' });
    expect(await fabric.log.end()).toEqual(end);
  });

  it('after the erasure no file holds the subject’s sentences or terms; the other subject stays on disk and recallable', async () => {
    const erasure = await eraseSubject(embeddedAuditedFabric(fabric), TENANT, ERASED, { reason: 'art. 17' });
    expect(erasure).toMatchObject({ keysDestroyed: 1, units: NADIA.length, walTruncated: true });
    expect(statSync(path.join(dataDir, 'memfabric.db-wal')).size).toBe(0);

    expect(hits(filesHolding(dataDir, NADIA))).toEqual([]);
    expect(hits(filesHolding(dataDir, NADIA_NONCES))).toEqual([]);
    expect(hits(filesHolding(dataDir, nadiaVectors, 'latin1'))).toEqual([]);
    expect(hits(filesHolding(dataDir, TOMAS)).length).toBe(TOMAS.length);

    const recall = fabric.recaller();
    for (const sentence of TOMAS.slice(0, 4)) {
      const answer = await recall.recall({ query: sentence, scope: { tenant: TENANT }, k: 5, caller: 'test' });
      expect(answer.hits.map((h) => h.text)).toContain(sentence);
    }
    const asked = await recall.recall({ query: NADIA[0]!, scope: { tenant: TENANT }, k: 25, caller: 'test' });
    expect(asked.hits.filter((h) => h.actor === ERASED || NADIA.includes(h.text))).toEqual([]);

    // a repeated erasure is harmless and leaves nothing either
    expect(await eraseSubject(embeddedAuditedFabric(fabric), TENANT, ERASED)).toMatchObject({ keysDestroyed: 0, units: 0, walTruncated: true });
  });

  it('closing the fabric (HNSW files saved, query log flushed) writes nothing of the subject back', async () => {
    await fabric.close();
    expect(filesUnder(dataDir).some((f) => f.endsWith('.usearch'))).toBe(true);
    expect(hits(filesHolding(dataDir, [...NADIA, ...NADIA_NONCES]))).toEqual([]);
    expect(hits(filesHolding(dataDir, nadiaVectors, 'latin1'))).toEqual([]);
    fabric = await EmbeddedFabric.open({ dataDir, masterKey, embedder, batchSize: 50 });
    expect(hits(filesHolding(dataDir, [...NADIA, ...NADIA_NONCES]))).toEqual([]);
  });

  it('data files are owner-only: files 0600, the data and chDB directories 0700; wider modes are narrowed on open', async () => {
    const analyticsDir = path.join(dataDir, 'analytics');
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(analyticsDir)).toBe(0o700);
    const ours = filesUnder(dataDir).filter((f) => !f.startsWith(analyticsDir + path.sep));
    expect(ours.map((f) => path.relative(dataDir, f))).toEqual(expect.arrayContaining(['memfabric.db', 'memfabric.db-wal', 'memfabric.db-shm', 'master.key']));
    expect(ours.filter((f) => mode(f) !== 0o600).map((f) => `${path.relative(dataDir, f)} ${mode(f).toString(8)}`)).toEqual([]);

    await fabric.close();
    for (const f of ['memfabric.db', 'master.key']) chmodSync(path.join(dataDir, f), 0o644);
    chmodSync(analyticsDir, 0o755);
    fabric = await EmbeddedFabric.open({ dataDir, masterKey: loadOrCreateMasterKey(path.join(dataDir, 'master.key')), embedder, batchSize: 50 });
    for (const f of ['memfabric.db', 'memfabric.db-wal', 'memfabric.db-shm', 'master.key']) expect(mode(path.join(dataDir, f))).toBe(0o600);
    expect(mode(analyticsDir)).toBe(0o700);
  });
});
