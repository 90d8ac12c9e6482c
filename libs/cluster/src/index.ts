export { ReadSide, PortRecallBackend, type ReadSideOptions, type ReadSideStores } from './read-side.js';
export { inMemoryStores, serverStores, type ServerStoresConfig } from './stores.js';
