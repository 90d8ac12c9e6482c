export { ReadSide, PortRecallBackend, type ReadSideOptions, type ReadSideStores } from './read-side.js';
export { inMemoryStores, serverStores, type ServerStoresConfig } from './stores.js';
export {
  KafkaKeyVault,
  DEFAULT_KEY_TOPIC,
  keyTopicConfigProblems,
  resolveKafkaKeyVaultConfig,
  type KafkaKeyVaultConfig,
  type ResolvedKafkaKeyVaultConfig,
  type SubjectKeyCounts,
} from './kafka-state/kafka.key-vault.js';
export type { ContentKeyCreatedRecord, ContentKeysDestroyedRecord } from './kafka-state/key-table.js';
export type { KafkaStateConnectionConfig, KafkaStateLogLevel, KafkaStateSasl, ResolvedKafkaStateConnection } from './kafka-state/config.js';
