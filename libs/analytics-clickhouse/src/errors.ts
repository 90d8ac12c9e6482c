import { ConfigurationError, MemfabricError, UnavailableError } from '@memfabric/errors';
import { RETRIABLE_CLICKHOUSE_CODES } from '@memfabric/analytics';

/** Node socket errors after which the server may answer later. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/** ClickHouse codes that mean the credentials are wrong: a configuration problem, not a retry. */
const AUTH_CODES = new Set([192, 193, 516]); // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED

/**
 * Maps an `@clickhouse/client` failure to a memfabric error:
 * - unreachable server, socket errors, request timeouts and retriable ClickHouse codes
 *   (overload, memory, read-only replica, ...) become a retriable {@link UnavailableError};
 * - authentication failures become a {@link ConfigurationError} (fix `username`/`password`);
 * - anything else (a statement the server rejects: a bug) is returned unchanged.
 * The original error is kept as `cause`.
 */
export function mapClickHouseError(error: unknown, operation: string, url: string): unknown {
  if (MemfabricError.is(error)) return error;
  const e = error as { code?: unknown; type?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const serverCode = typeof e.code === 'string' && /^\d+$/.test(e.code) ? Number(e.code) : undefined;
  const context = {
    operation,
    url,
    ...(serverCode !== undefined ? { clickhouseCode: serverCode } : {}),
    ...(typeof e.type === 'string' ? { clickhouseType: e.type } : {}),
    ...(typeof e.code === 'string' && serverCode === undefined ? { errno: e.code } : {}),
  };
  if (serverCode !== undefined && AUTH_CODES.has(serverCode)) {
    return new ConfigurationError(`ClickHouse at ${url} refused the credentials (${message}): check \`username\` and \`password\``, {
      cause: error,
      context,
    });
  }
  const retriable =
    (serverCode !== undefined && RETRIABLE_CLICKHOUSE_CODES.has(serverCode)) ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    /timeout error|socket hang up|other side closed|ECONNREFUSED|ECONNRESET/i.test(message);
  if (!retriable) return error;
  return new UnavailableError(`ClickHouse ${operation} at ${url} failed: ${message}`, { cause: error, context });
}
