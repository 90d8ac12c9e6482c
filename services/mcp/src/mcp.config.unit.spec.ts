import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@memfabric/errors';
import { loadMcpConfig, MCP_DEFAULTS, type McpConfig } from './mcp.config.js';

function config(env: Record<string, string>, argv: string[] = []): McpConfig {
  const loaded = loadMcpConfig(env, argv);
  if ('help' in loaded) throw new Error('unexpected help');
  return loaded;
}

function failure(env: Record<string, string>, argv: string[] = []): string {
  try {
    loadMcpConfig(env, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadMcpConfig', () => {
  it('defaults to stdio against the embedded fabric, each call naming its tenant', () => {
    expect(config({})).toEqual({
      memfabricUrl: MCP_DEFAULTS.memfabricUrl,
      apiKey: undefined,
      timeoutMs: 10_000,
      tenant: { mode: 'per-call' },
      actor: 'agent:mcp',
      stream: 'mcp',
      source: 'urn:memfabric:mcp',
      transport: 'stdio',
      http: { host: '127.0.0.1', port: 8090, path: '/mcp' },
    });
  });

  it('binds to MEMFABRIC_TENANT unless overrides are allowed', () => {
    expect(config({ MEMFABRIC_TENANT: 'acme' }).tenant).toEqual({ mode: 'fixed', tenant: 'acme' });
    expect(config({ MEMFABRIC_TENANT: 'acme', MEMFABRIC_MCP_TENANT_OVERRIDE: 'true' }).tenant).toEqual({ mode: 'default', tenant: 'acme' });
  });

  it('reads --http, --host, --port and --path', () => {
    expect(config({ MEMFABRIC_URL: 'https://fabric.example.com/api', MEMFABRIC_API_KEY: 'k' }, ['--http', '--port', '0', '--host', '0.0.0.0', '--path', '/agents/mcp'])).toMatchObject({
      memfabricUrl: 'https://fabric.example.com/api',
      apiKey: 'k',
      transport: 'http',
      http: { host: '0.0.0.0', port: 0, path: '/agents/mcp' },
    });
    expect(loadMcpConfig({}, ['--help'])).toEqual({ help: true });
  });

  it('names every bad value and how to fix it', () => {
    const message = failure(
      { MEMFABRIC_URL: 'localhost:8081', MEMFABRIC_TIMEOUT_MS: '-1', MEMFABRIC_TENANT: 'bad tenant', MEMFABRIC_MCP_TENANT_OVERRIDE: 'yes', MEMFABRIC_MCP_STREAM: '/x' },
      ['--http', '--port', '70000', '--path', 'mcp'],
    );
    expect(message).toMatch(/MEMFABRIC_URL must/);
    expect(message).toMatch(/MEMFABRIC_TIMEOUT_MS must be an integer/);
    expect(message).toMatch(/MEMFABRIC_TENANT must be 1-64/);
    expect(message).toMatch(/MEMFABRIC_MCP_TENANT_OVERRIDE must be true or false/);
    expect(message).toMatch(/MEMFABRIC_MCP_STREAM must be/);
    expect(message).toMatch(/--port \/ MEMFABRIC_MCP_PORT must be a TCP port/);
    expect(message).toMatch(/--path \/ MEMFABRIC_MCP_PATH must be a URL path/);
    const lines = message.split('\n');
    expect(lines[0]).toBe('invalid memfabric MCP server configuration:');
    expect(lines.slice(1).every((l) => /^ {2}- (--[a-z]+ \/ )?MEMFABRIC_[A-Z_]+ /.test(l)), message).toBe(true);
    expect(lines).toHaveLength(8);
  });

  it('refuses unknown flags and HTTP flags without --http', () => {
    expect(failure({}, ['--verbose'])).toMatch(/Unknown option '--verbose'.*see --help/);
    expect(failure({}, ['--port', '9000'])).toMatch(/apply to --http only/);
  });
});
