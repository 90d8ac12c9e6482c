export { ALL_SHARED, ReadSide, PortRecallBackend, type Placement, type ReadSideOptions, type ReadSidePlacements, type ReadSideStores } from './read-side.js';
export { inMemoryStores, serverStores, type ServerStoresConfig } from './stores.js';
export { openClusterKafka, openServerReadStores, type ClusterKafka } from './cluster-kafka.js';
export { readClusterSettings, type ClusterSettings } from './cluster-settings.js';
export * from './settings.js';
export { Supervised, type SupervisedOptions, type SupervisedState } from './supervised.js';
export {
  KafkaKeyVault,
  DEFAULT_KEY_TOPIC,
  keyTopicConfigProblems,
  resolveKafkaKeyVaultConfig,
  type KafkaKeyVaultConfig,
  type ResolvedKafkaKeyVaultConfig,
  type SubjectKeyCounts,
} from './kafka-state/kafka.key-vault.js';
export {
  KafkaCheckpointStore,
  APPEND_ID_HEADER,
  DEFAULT_CHECKPOINT_TOPIC,
  checkpointTopicConfigProblems,
  resolveKafkaCheckpointStoreConfig,
  type KafkaCheckpointStoreConfig,
  type ResolvedKafkaCheckpointStoreConfig,
} from './kafka-state/kafka.checkpoint-store.js';
export type { ContentKeyCreatedRecord, ContentKeysDestroyedRecord } from './kafka-state/key-table.js';
export type { KafkaStateConnectionConfig, KafkaStateLogLevel, KafkaStateSasl, ResolvedKafkaStateConnection } from './kafka-state/config.js';
