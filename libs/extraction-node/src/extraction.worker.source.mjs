// Entry of the extraction worker threads when `WorkerPoolExtractor` runs from TypeScript source
// (tests, tsx): module hooks registered by `--import tsx` do not reach worker threads on
// Node 20, so register tsx in the thread, then load the TypeScript handler.
import { register } from 'tsx/esm/api';

register();
const handler = await import('./extraction.worker.ts');

export default handler.default;
export const warm = handler.warm;
