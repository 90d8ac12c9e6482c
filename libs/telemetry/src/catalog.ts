/**
 * The one catalog of telemetry names memfabric emits: span names, span attributes and the
 * Prometheus series with their labels. Code never spells one of these strings itself; the
 * tables of `docs/operations.md` ("Traces", "Metrics") list the same names, and a unit test
 * checks that every name here is documented there.
 *
 * Attribute names follow the OpenTelemetry semantic conventions where they define one:
 * - messaging spans (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/ and
 *   the Kafka page, `messaging.kafka.*`): `messaging.system`, `messaging.destination.name`,
 *   `messaging.operation.type` / `.name`, `messaging.destination.partition.id`, ...;
 * - HTTP server spans (https://opentelemetry.io/docs/specs/semconv/http/http-spans/);
 * - GenAI memory spans (`gen_ai.operation.name` = `search_memory`, `gen_ai.memory.*`,
 *   development status, https://github.com/open-telemetry/semantic-conventions-genai,
 *   docs/gen-ai/gen-ai-spans.md#memory). The query text (`gen_ai.memory.query.text`, opt-in)
 *   is never recorded: it is tenant data.
 *
 * Everything else is `memfabric.*`. No attribute or label carries a tenant id, a principal, a
 * query or event content: telemetry leaves the trust boundary of the tenants.
 */

/** Instrumentation scope name of every memfabric tracer. */
export const INSTRUMENTATION_SCOPE = 'memfabric';

/** Span attribute names (keys). */
export const ATTR = {
  // messaging (Kafka producer and consumers)
  messagingSystem: 'messaging.system',
  messagingDestinationName: 'messaging.destination.name',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingBatchMessageCount: 'messaging.batch.message_count',
  messagingMessageId: 'messaging.message.id',
  messagingPartitionId: 'messaging.destination.partition.id',
  messagingConsumerGroup: 'messaging.consumer.group.name',
  messagingKafkaMessageKey: 'messaging.kafka.message.key',
  messagingKafkaOffset: 'messaging.kafka.offset',
  // HTTP server
  httpRequestMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpResponseStatusCode: 'http.response.status_code',
  errorType: 'error.type',
  // GenAI memory (recall)
  genAiOperationName: 'gen_ai.operation.name',
  genAiProviderName: 'gen_ai.provider.name',
  genAiMemorySearchResultCount: 'gen_ai.memory.search.result.count',
  // memfabric
  projection: 'memfabric.projection',
  projectionGeneration: 'memfabric.projection.generation',
  projectionRuntime: 'memfabric.projection.runtime',
  eventCount: 'memfabric.event.count',
  recallPreset: 'memfabric.recall.preset',
  recallChannel: 'memfabric.recall.channel',
  recallK: 'memfabric.recall.k',
  recallCandidates: 'memfabric.recall.candidates',
} as const;

/** Values of the attributes above that the conventions fix. */
export const ATTR_VALUE = {
  messagingSystemKafka: 'kafka',
  operationSend: 'send',
  operationProcess: 'process',
  genAiSearchMemory: 'search_memory',
  genAiProvider: 'memfabric',
} as const;

/**
 * Span names. Messaging spans are `{operation} {destination}` (semconv); recall spans
 * `search_memory memfabric` / `recall.channel {channel}`; HTTP server spans `{method} {route}`.
 */
export const SPAN = {
  /** PRODUCER span of one append's produce request: `send <topic>`. */
  kafkaSend: (topic: string) => `${ATTR_VALUE.operationSend} ${topic}`,
  /** CONSUMER span of one projection apply: `process <projection>`. */
  projectionProcess: (projection: string) => `${ATTR_VALUE.operationProcess} ${projection}`,
  /** SERVER span of an HTTP request: `<METHOD> <route template>`. */
  httpServer: (method: string, route: string) => `${method} ${route}`,
  /** INTERNAL span of one recall: `search_memory memfabric`. */
  recall: `${ATTR_VALUE.genAiSearchMemory} ${ATTR_VALUE.genAiProvider}`,
  /** INTERNAL span of one retrieval channel inside a recall: `recall.channel <name>`. */
  recallChannel: (channel: string) => `recall.channel ${channel}`,
} as const;

/** Label names of the Prometheus series. Every value set is bounded (no tenant, no id). */
export const LABEL = {
  /** CloudEvents `type` of an event (a closed set: the schemas in /schemas/events). */
  type: 'type',
  projection: 'projection',
  partition: 'partition',
  /** `sqlite` (in the process's database) or `async` (consumer groups over the event log). */
  runtime: 'runtime',
  channel: 'channel',
  preset: 'preset',
  /** `applied` or `reverted` (rollbacks). */
  action: 'action',
} as const;

/** Prometheus series (all `memfabric_*`; process metrics of prom-client come beside them). */
export const METRIC = {
  eventsAppended: 'memfabric_events_appended_total',
  consumerLag: 'memfabric_consumer_lag',
  projectionApplySeconds: 'memfabric_projection_apply_duration_seconds',
  deadLetters: 'memfabric_dead_letters_total',
  recallSeconds: 'memfabric_recall_duration_seconds',
  recallChannelSeconds: 'memfabric_recall_channel_duration_seconds',
  erasures: 'memfabric_erasures_total',
  rollbacks: 'memfabric_rollbacks_total',
} as const;

/** Names of the catalog's series. */
export type MetricName = (typeof METRIC)[keyof typeof METRIC];
