/**
 * Child process of `sqlite.embedding-cache.int.spec.ts`: opens the cache file given as the first
 * argument and embeds the texts given after it with a CachingEmbedder over a HashEmbedder (64-d)
 * on that cache, then prints `{ hits, misses, vectors }` as JSON (vectors as plain arrays).
 */
import { CachingEmbedder, HashEmbedder } from '@memfabric/embeddings';
import { SqliteEmbeddingCache } from '../src/index.js';

const [file, ...texts] = process.argv.slice(2);
const cache = SqliteEmbeddingCache.open({ path: file! });
const embedder = new CachingEmbedder(new HashEmbedder({ dimensions: 64 }), { cache });
const vectors = await embedder.embed(texts);
process.stdout.write(`${JSON.stringify({ ...embedder.stats(), vectors: vectors.map((v) => Array.from(v)) })}\n`);
cache.close();
