/**
 * A projector as its own process: `npm run start:projector` (tsx). Settings from the
 * environment (`docs/operations.md`); SIGTERM stops consuming, finishes and commits the batch in
 * flight and exits within `MEMFABRIC_SHUTDOWN_TIMEOUT_MS`.
 */
import 'reflect-metadata';
import { serviceMain } from '@memfabric/ingest';
import { startProjector } from './projector.server.js';

await serviceMain('projector', () => startProjector(process.env));
