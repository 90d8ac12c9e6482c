export * from './fake-memfabric.server.js';
