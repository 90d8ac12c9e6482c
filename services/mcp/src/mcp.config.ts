import { parseArgs } from 'node:util';
import { ConfigurationError } from '@memfabric/errors';

/** Environment variables as `process.env` holds them. */
export type McpEnv = Readonly<Record<string, string | undefined>>;

/** How the server reaches its MCP host. */
export type McpTransportKind = 'stdio' | 'http';

/**
 * Which tenant a tool call reads and writes:
 * - `fixed`: always {@link TenantPolicy.tenant}; the tools do not offer a `tenant` argument.
 * - `default`: {@link TenantPolicy.tenant} unless the call names another (`MEMFABRIC_MCP_TENANT_OVERRIDE=true`).
 * - `per-call`: no default tenant; every call must name one.
 */
export type TenantPolicy =
  | { readonly mode: 'fixed'; readonly tenant: string }
  | { readonly mode: 'default'; readonly tenant: string }
  | { readonly mode: 'per-call' };

/** Configuration of the MCP server, built and validated by {@link loadMcpConfig}. */
export interface McpConfig {
  /** Base URL of the memfabric REST API (every route). */
  readonly memfabricUrl: string;
  /** API key sent to memfabric as a bearer token; never logged. */
  readonly apiKey: string | undefined;
  /** Timeout of one REST attempt, ms. */
  readonly timeoutMs: number;
  readonly tenant: TenantPolicy;
  /** Actor of the events the tools write when a call names none. */
  readonly actor: string;
  /** Stream the tools write to when a call names none. */
  readonly stream: string;
  /** CloudEvents `source` of the events the tools write. */
  readonly source: string;
  readonly transport: McpTransportKind;
  /** Streamable HTTP: bind address, TCP port (0 = any free port) and endpoint path. */
  readonly http: { readonly host: string; readonly port: number; readonly path: string };
}

/** Defaults applied when a variable or flag is unset or empty. */
export const MCP_DEFAULTS = {
  /** `MEMFABRIC_URL`: the embedded fabric's default address. */
  memfabricUrl: 'http://127.0.0.1:8081',
  /** `MEMFABRIC_TIMEOUT_MS`. */
  timeoutMs: 10_000,
  /** `MEMFABRIC_MCP_ACTOR`. */
  actor: 'agent:mcp',
  /** `MEMFABRIC_MCP_STREAM`. */
  stream: 'mcp',
  /** `MEMFABRIC_MCP_SOURCE`. */
  source: 'urn:memfabric:mcp',
  /** `--host` / `MEMFABRIC_MCP_HOST`: loopback only, so a bare start exposes nothing. */
  host: '127.0.0.1',
  /** `--port` / `MEMFABRIC_MCP_PORT`. */
  port: 8090,
  /** `--path` / `MEMFABRIC_MCP_PATH`. */
  path: '/mcp',
} as const;

/** Tenant id pattern of the event contract (`schemas/events/envelope.schema.json`). */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Stream id pattern of the event contract. */
export const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Usage text of `memfabric-mcp`. */
export const MCP_USAGE = `Usage: memfabric-mcp [--http [--host H] [--port P] [--path /mcp]]

Serves memfabric's MCP tools (remember, recall, memory_history, forget) over stdio (default)
or streamable HTTP (--http). Talks to the memfabric REST API at MEMFABRIC_URL.

Environment:
  MEMFABRIC_URL                  REST API base URL (default ${MCP_DEFAULTS.memfabricUrl})
  MEMFABRIC_API_KEY              bearer token for the REST API
  MEMFABRIC_TENANT               tenant of every call (unset: each call names its tenant)
  MEMFABRIC_MCP_TENANT_OVERRIDE  true: a call may name another tenant than MEMFABRIC_TENANT
  MEMFABRIC_MCP_ACTOR            actor of written events (default ${MCP_DEFAULTS.actor})
  MEMFABRIC_MCP_STREAM           default stream of written events (default ${MCP_DEFAULTS.stream})
  MEMFABRIC_MCP_SOURCE           CloudEvents source (default ${MCP_DEFAULTS.source})
  MEMFABRIC_TIMEOUT_MS           timeout of one REST attempt in ms (default ${MCP_DEFAULTS.timeoutMs})
  MEMFABRIC_MCP_HOST / _PORT / _PATH   defaults of --host / --port / --path
`;

function value(env: McpEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function integer(raw: string, min: number, max: number): number | undefined {
  if (!/^[0-9]+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** What {@link loadMcpConfig} returns when `--help` was asked for. */
export interface McpHelpRequest {
  readonly help: true;
}

/**
 * Builds the MCP server configuration from environment variables and command-line arguments
 * and checks every value (see {@link MCP_USAGE} for names and defaults). Nothing is read from
 * `process.env` or `process.argv` here: pass them in.
 *
 * @param env - the environment, e.g. `process.env`.
 * @param argv - the arguments after the script, e.g. `process.argv.slice(2)`.
 * @returns the configuration, or `{ help: true }` for `--help`.
 * @throws ConfigurationError listing every bad variable or flag and how to fix it, one `  - ` line each
 *   (`context.problems` holds the lines).
 */
export function loadMcpConfig(env: McpEnv, argv: readonly string[] = []): McpConfig | McpHelpRequest {
  const problems: string[] = [];
  let flags: { http?: boolean; host?: string; port?: string; path?: string; help?: boolean } = {};
  try {
    flags = parseArgs({
      args: [...argv],
      options: { http: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' }, path: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    problems.push(`${(error as Error).message} (see --help)`);
  }
  if (flags.help === true) return { help: true };

  const memfabricUrl = value(env, 'MEMFABRIC_URL') ?? MCP_DEFAULTS.memfabricUrl;
  try {
    const url = new URL(memfabricUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`MEMFABRIC_URL must use http or https (got '${memfabricUrl}')`);
  } catch {
    problems.push(`MEMFABRIC_URL must be an absolute http(s) URL such as ${MCP_DEFAULTS.memfabricUrl} (got '${memfabricUrl}')`);
  }
  const timeoutRaw = value(env, 'MEMFABRIC_TIMEOUT_MS');
  const timeoutMs = timeoutRaw === undefined ? MCP_DEFAULTS.timeoutMs : integer(timeoutRaw, 1, 600_000);
  if (timeoutMs === undefined) problems.push(`MEMFABRIC_TIMEOUT_MS must be an integer number of ms in 1..600000 (got '${timeoutRaw}')`);

  const tenant = value(env, 'MEMFABRIC_TENANT');
  if (tenant !== undefined && !TENANT_PATTERN.test(tenant)) problems.push(`MEMFABRIC_TENANT must be 1-64 letters, digits, '.', '_' or '-' (got '${tenant}')`);
  const overrideRaw = value(env, 'MEMFABRIC_MCP_TENANT_OVERRIDE') ?? 'false';
  if (overrideRaw !== 'true' && overrideRaw !== 'false') problems.push(`MEMFABRIC_MCP_TENANT_OVERRIDE must be true or false (got '${overrideRaw}')`);
  const policy: TenantPolicy =
    tenant === undefined ? { mode: 'per-call' } : overrideRaw === 'true' ? { mode: 'default', tenant } : { mode: 'fixed', tenant };

  const actor = value(env, 'MEMFABRIC_MCP_ACTOR') ?? MCP_DEFAULTS.actor;
  if (actor.length > 256) problems.push('MEMFABRIC_MCP_ACTOR must be at most 256 characters');
  const stream = value(env, 'MEMFABRIC_MCP_STREAM') ?? MCP_DEFAULTS.stream;
  if (!STREAM_PATTERN.test(stream)) problems.push(`MEMFABRIC_MCP_STREAM must be 1-128 letters, digits, '.', '_', ':' or '-' (got '${stream}')`);
  const source = value(env, 'MEMFABRIC_MCP_SOURCE') ?? MCP_DEFAULTS.source;
  if (/\s/.test(source) || source.length > 512) problems.push(`MEMFABRIC_MCP_SOURCE must be a URI-reference without spaces, at most 512 characters (got '${source}')`);

  const host = flags.host ?? value(env, 'MEMFABRIC_MCP_HOST') ?? MCP_DEFAULTS.host;
  const portRaw = flags.port ?? value(env, 'MEMFABRIC_MCP_PORT');
  const port = portRaw === undefined ? MCP_DEFAULTS.port : integer(portRaw, 0, 65_535);
  if (port === undefined) problems.push(`--port / MEMFABRIC_MCP_PORT must be a TCP port 0-65535 (got '${portRaw}')`);
  const path = flags.path ?? value(env, 'MEMFABRIC_MCP_PATH') ?? MCP_DEFAULTS.path;
  if (!path.startsWith('/') || /[\s?#]/.test(path)) problems.push(`--path / MEMFABRIC_MCP_PATH must be a URL path starting with '/' (got '${path}')`);
  const transport: McpTransportKind = flags.http === true ? 'http' : 'stdio';
  if (transport === 'stdio' && (flags.host !== undefined || flags.port !== undefined || flags.path !== undefined)) {
    problems.push('--host, --port and --path apply to --http only');
  }

  if (problems.length > 0 || timeoutMs === undefined || port === undefined) {
    throw new ConfigurationError(`invalid memfabric MCP server configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { context: { problems } });
  }
  return {
    memfabricUrl,
    apiKey: value(env, 'MEMFABRIC_API_KEY'),
    timeoutMs,
    tenant: policy,
    actor,
    stream,
    source,
    transport,
    http: { host, port, path },
  };
}
