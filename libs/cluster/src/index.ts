export { ALL_SHARED, ReadSide, PortRecallBackend, type Placement, type ReadSideOptions, type ReadSidePlacements, type ReadSideStores } from './read-side.js';
export { inMemoryStores, serverStores, type ServerStoresConfig } from './stores.js';
