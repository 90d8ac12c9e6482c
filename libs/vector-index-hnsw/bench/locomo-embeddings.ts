/**
 * LoCoMo texts and their Universal Sentence Encoder lite embeddings for the benchmarks, cached
 * under `$TMPDIR/memfabric-bench/` keyed by a hash of the texts (embedding 2,760 turns takes
 * minutes on a small machine).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UseEmbedder } from '@memfabric/embeddings-use';

/** Dimension of USE lite vectors. */
export const DIM = 512;

interface LocomoFile {
  conversation: Record<string, unknown>;
  qa: { question: string }[];
}

/** The dialog turns (`session_N[].text`, sessions in order) and `qa[].question` texts of a LoCoMo file. */
export function readLocomoTexts(file: string): { turns: string[]; questions: string[] } {
  const data = JSON.parse(readFileSync(file, 'utf8')) as LocomoFile[];
  const turns: string[] = [];
  const questions: string[] = [];
  for (const conversation of data) {
    const sessions = Object.keys(conversation.conversation)
      .filter((key) => /^session_\d+$/.test(key))
      .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
    for (const key of sessions) for (const turn of conversation.conversation[key] as { text: string }[]) turns.push(turn.text);
    for (const qa of conversation.qa) questions.push(qa.question);
  }
  return { turns, questions };
}

/** Row-major unit vectors (`texts.length * 512` floats) of `texts`, from the cache or the model. */
export async function embedAll(texts: string[], label: string, progress: boolean): Promise<Float32Array> {
  const digest = createHash('sha256').update('use-lite-512\u0000').update(texts.join('\u0000')).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'memfabric-bench');
  const file = path.join(dir, `use-${label}-${digest}.f32`);
  if (existsSync(file)) {
    const buf = readFileSync(file);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  const embedder = new UseEmbedder();
  const out = new Float32Array(texts.length * DIM);
  const started = Date.now();
  for (let i = 0; i < texts.length; i += 32) {
    const batch = await embedder.embed(texts.slice(i, i + 32));
    batch.forEach((vector, j) => out.set(vector, (i + j) * DIM));
    if (progress) process.stderr.write(`\rembedding ${label}: ${Math.min(i + 32, texts.length)}/${texts.length}`);
  }
  if (progress) process.stderr.write(` (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, Buffer.from(out.buffer));
  return out;
}
