/**
 * Child process of the WorkerPoolEmbedder spec: embeds with a pool of 2 hash workers, closes it
 * (`close`) or leaves it open (`leave`), prints what it did, and must then exit by itself.
 */
import { HashEmbedder } from '@memfabric/embeddings';
import { WorkerPoolEmbedder } from '../src/index.js';
import { WORKER_EMBEDDERS } from './worker-embedders.js';

const hash = new HashEmbedder();
const pool = new WorkerPoolEmbedder({ workers: 2, module: WORKER_EMBEDDERS, export: 'createHashEmbedder', modelId: hash.modelId, dimensions: hash.dimensions, minTaskTexts: 1 });
await pool.start();
const vectors = await pool.embed(['one', 'two', 'three']);
if (process.argv[2] === 'close') await pool.close();
process.stdout.write(`embedded ${vectors.length}, running ${pool.running}\n`);
