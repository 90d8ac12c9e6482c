export { MAX_EXTRACTION_WORKERS, WorkerPoolExtractor, type WorkerPoolExtractorOptions } from './worker-pool.extractor.js';
