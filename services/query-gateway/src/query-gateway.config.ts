import { configurationError, type ConfigReading } from '@memfabric/ingest';

/** Configuration of the query gateway. */
export interface QueryGatewayConfig {
  /** Largest accepted JSON body of `POST /v1/recall`, bytes. */
  readonly maxBodyBytes: number;
  /** Paths (without leading slash) answering `GET` with the gateway's OpenAPI document. */
  readonly openApiPaths: readonly string[];
}

/** Defaults: 64 KiB bodies (a query is at most 2,000 characters), OpenAPI at `/openapi/query.json`. */
export const QUERY_GATEWAY_DEFAULTS: QueryGatewayConfig = { maxBodyBytes: 64 * 1024, openApiPaths: ['openapi/query.json'] };

/** Environment variables the gateway reads. */
export interface QueryGatewayEnv {
  /** Largest `POST /v1/recall` body, bytes (1 KiB to 1 MiB). */
  readonly MEMFABRIC_QUERY_MAX_BODY_BYTES?: string;
  readonly [name: string]: string | undefined;
}

/**
 * Reads and checks the gateway's configuration without throwing, so a start-up can report its
 * problems together with the other modules'.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `MEMFABRIC_QUERY_MAX_BODY_BYTES` | largest `POST /v1/recall` body, bytes, 1024 to 1048576 | 65536 |
 *
 * @returns the configuration when valid, and one line per invalid variable, naming it.
 */
export function readQueryGatewayConfig(env: QueryGatewayEnv): ConfigReading<QueryGatewayConfig> {
  const raw = env.MEMFABRIC_QUERY_MAX_BODY_BYTES?.trim();
  if (raw === undefined || raw === '') return { config: QUERY_GATEWAY_DEFAULTS, problems: [] };
  const bytes = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 1024 * 1024) {
    return { problems: [`MEMFABRIC_QUERY_MAX_BODY_BYTES must be an integer from 1024 to 1048576 (bytes), got "${raw}"`] };
  }
  return { config: { ...QUERY_GATEWAY_DEFAULTS, maxBodyBytes: bytes }, problems: [] };
}

/**
 * {@link readQueryGatewayConfig}, throwing.
 * @throws ConfigurationError naming the variable and what to set when a value is invalid.
 */
export function loadQueryGatewayConfig(env: QueryGatewayEnv): QueryGatewayConfig {
  const { config, problems } = readQueryGatewayConfig(env);
  if (config === undefined) throw configurationError('query gateway', problems);
  return config;
}
