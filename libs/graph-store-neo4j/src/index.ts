export * from './neo4j.graph-store.js';
export { LABELS, RELATIONSHIP_TYPES, SCHEMA } from './cypher.js';
