export { KafkaEventLog } from './kafka.event-log.js';
export {
  DEFAULT_TOPIC,
  resolveKafkaEventLogConfig,
  type KafkaEventLogConfig,
  type KafkaLogLevel,
  type KafkaSaslConfig,
  type ResolvedKafkaEventLogConfig,
} from './config.js';
export {
  CE_HEADER_PREFIX,
  CONTENT_TYPE_HEADER,
  TRACEPARENT_HEADER,
  RecordFormatError,
  fromKafkaMessage,
  streamPartitionKey,
  toKafkaMessage,
  type KafkaEventMessage,
  type KafkaHeaders,
} from './cloudevents-binding.js';
