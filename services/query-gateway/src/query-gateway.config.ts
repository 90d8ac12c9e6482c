import { ConfigurationError } from '@memfabric/errors';

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
 * Reads and validates the gateway's configuration.
 * @throws ConfigurationError naming the variable and what to set when a value is invalid.
 */
export function loadQueryGatewayConfig(env: QueryGatewayEnv): QueryGatewayConfig {
  const raw = env.MEMFABRIC_QUERY_MAX_BODY_BYTES;
  if (raw === undefined || raw === '') return QUERY_GATEWAY_DEFAULTS;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 1024 * 1024) {
    throw new ConfigurationError(`MEMFABRIC_QUERY_MAX_BODY_BYTES must be an integer from 1024 to 1048576 (bytes), got "${raw}"`);
  }
  return { ...QUERY_GATEWAY_DEFAULTS, maxBodyBytes: bytes };
}
