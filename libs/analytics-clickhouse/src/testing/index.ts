export * from './clickhouse-container.js';
