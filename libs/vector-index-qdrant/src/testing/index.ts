export * from './qdrant-container.js';
