/**
 * The audit service as its own process, in the cluster: `npm run start:audit` (tsx). Settings
 * from the environment (`docs/operations.md`); SIGTERM stops it within `MEMFABRIC_SHUTDOWN_TIMEOUT_MS`.
 */
import 'reflect-metadata';
import { serviceMain } from '@memfabric/ingest';
import { startClusterAudit } from './cluster-audit.server.js';

await serviceMain('audit', () => startClusterAudit(process.env));
