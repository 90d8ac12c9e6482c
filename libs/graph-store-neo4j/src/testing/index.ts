export * from './neo4j-container.js';
