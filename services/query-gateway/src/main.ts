/**
 * The query gateway as its own process, in the cluster: `node --conditions=@memfabric/source
 * --import tsx services/query-gateway/src/main.ts` (or `npm run start:gateway`). Settings from
 * the environment (`docs/operations.md`); SIGTERM stops it within `MEMFABRIC_SHUTDOWN_TIMEOUT_MS`.
 */
import 'reflect-metadata';
import { serviceMain } from '@memfabric/ingest';
import { startQueryGateway } from './gateway.server.js';

await serviceMain('query-gateway', () => startQueryGateway(process.env));
