export { ALL_SHARED, ReadSide, PortRecallBackend, type Placement, type ReadSideOptions, type ReadSidePlacements, type ReadSideStores } from './read-side.js';
export { inMemoryStores, serverStores, type ServerStoresConfig } from './stores.js';
export { openClusterKafka, openServerReadStores, type ClusterKafka } from './cluster-kafka.js';
export { readClusterSettings, type ClusterSettings } from './cluster-settings.js';
export * from './settings.js';
export { Supervised, type SupervisedOptions, type SupervisedState } from './supervised.js';
