export * from './kafka-mock-cluster.js';
export * from './kafka-container.js';
