/** The analytics read model (every event flattened into chDB / ClickHouse), for both runtimes. It serves no recall channel; recall writes its query log there. */
export * from './analytics.projection.js';
