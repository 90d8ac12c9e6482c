import path from 'node:path';
import type { Command } from 'commander';
import { SCOPES, isScope, type ApiKeyRecord, type ApiKeyStore, type Scope } from '@memfabric/auth';
import { generateApiKey, hashSecret, loadAuthConfig, MAX_LABEL_LENGTH, openKeyStore } from '@memfabric/auth-node';
import { NotFoundError, ValidationError } from '@memfabric/errors';
import { schemas } from '@memfabric/events';
import type { Output } from '../output.js';
import { globalOptions } from '../program.js';

/** Tenant ids a key may be granted: the event envelope's tenant id rule. */
const TENANT_PATTERN = new RegExp(schemas.eventEnvelopeSchema.$defs.tenantId.pattern);

/** One key as `keys list --json` prints it: never the secret's hash. */
interface ListedKey {
  readonly id: string;
  readonly tenants: readonly string[];
  readonly scopes: readonly Scope[];
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/**
 * Opens the key store a server of this data directory reads: `<data dir>/keys.db` (the
 * `--data-dir` option, else `MEMFABRIC_DATA_DIR`, else `./data`, as for every command), or the
 * read-only `MEMFABRIC_API_KEYS_FILE`, whose keys can be listed but not changed here.
 */
function openStore(command: Command): ApiKeyStore {
  const dataDir = path.resolve(globalOptions(command).dataDir ?? process.env.MEMFABRIC_DATA_DIR ?? './data');
  return openKeyStore(loadAuthConfig(process.env, { dataDir }));
}

async function withStore<T>(command: Command, use: (store: ApiKeyStore) => Promise<T>): Promise<T> {
  const store = openStore(command);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Collects a repeated option into a list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The tenants of `--tenant` (repeatable, at least one), deduplicated in the order given.
 * @throws ValidationError naming the bad tenant ids.
 */
export function parseTenants(values: readonly string[]): string[] {
  const tenants = [...new Set(values.map((t) => t.trim()))];
  if (tenants.length === 0) throw new ValidationError('at least one --tenant is required', [{ pointer: '/tenants', detail: 'is required' }]);
  const bad = tenants.filter((t) => !TENANT_PATTERN.test(t));
  if (bad.length > 0) {
    throw new ValidationError(
      `invalid --tenant ${bad.map((t) => JSON.stringify(t)).join(', ')}: a tenant id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      bad.map((t) => ({ pointer: '/tenants', detail: `${JSON.stringify(t)} does not match ${TENANT_PATTERN.source}` })),
    );
  }
  return tenants;
}

/**
 * The scopes of `--scopes a,b` (comma-separated, at least one), deduplicated in the order given.
 * @throws ValidationError naming the unknown scopes and the allowed ones.
 */
export function parseScopes(text: string): Scope[] {
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  const unknown = names.filter((s) => !isScope(s));
  if (unknown.length > 0 || names.length === 0) {
    const what = names.length === 0 ? 'no scope in --scopes' : `unknown scope ${unknown.map((s) => JSON.stringify(s)).join(', ')} in --scopes`;
    throw new ValidationError(`${what}: allowed scopes are ${SCOPES.join(', ')}`, [{ pointer: '/scopes', detail: what }]);
  }
  return names.filter(isScope);
}

function listed(record: ApiKeyRecord): ListedKey {
  return {
    id: record.id,
    tenants: record.tenants,
    scopes: record.scopes,
    label: record.label ?? null,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt ?? null,
  };
}

function table(keys: readonly ListedKey[]): string {
  const rows = [
    ['ID', 'TENANTS', 'SCOPES', 'LABEL', 'CREATED', 'REVOKED'],
    ...keys.map((k) => [k.id, k.tenants.join(','), k.scopes.join(','), k.label ?? '-', k.createdAt, k.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

/**
 * Registers `memfabric keys create | list | revoke`: API keys of the servers of a data
 * directory, kept in `<data dir>/keys.db` (only the SHA-256 of each secret). With `--json` the
 * last line is `{"id", "key", "tenants", "scopes"}` for create, `{"keys": [...]}` for list and
 * `{"id", "revokedAt", "alreadyRevoked"}` for revoke. A running server sees a new or revoked key
 * from its next request on.
 */
export function registerKeys(program: Command, output: () => Output): void {
  const keys = program.command('keys').description('create, list and revoke the API keys servers of this data directory accept');

  keys
    .command('create')
    .description('create an API key for some tenants and scopes; the key is printed once and cannot be shown again')
    .option('--tenant <tenant>', 'tenant the key may access (repeat for several; at least one)', collect, [])
    .requiredOption('--scopes <list>', `comma-separated scopes, of ${SCOPES.join(', ')}`)
    .option('--label <text>', `what or who the key is for (at most ${MAX_LABEL_LENGTH} characters)`)
    .action(async (opts: { tenant: string[]; scopes: string; label?: string }, command: Command) => {
      const out = output();
      const tenants = parseTenants(opts.tenant);
      const scopes = parseScopes(opts.scopes);
      const label = opts.label?.trim();
      if (label !== undefined && label.length > MAX_LABEL_LENGTH) {
        throw new ValidationError(`--label must be at most ${MAX_LABEL_LENGTH} characters`, [{ pointer: '/label', detail: 'too long' }]);
      }
      const generated = generateApiKey();
      await withStore(command, (store) =>
        store.add({
          id: generated.id,
          secretHash: hashSecret(generated.secret),
          tenants,
          scopes,
          ...(label === undefined || label === '' ? {} : { label }),
          createdAt: new Date().toISOString(),
        }),
      );
      out.line(`created API key ${generated.id} for tenant(s) ${tenants.join(', ')} with scope(s) ${scopes.join(', ')}:`);
      out.line(generated.key);
      out.summary(
        { id: generated.id, key: generated.key, tenants, scopes },
        'Store this key now: it cannot be shown again (only its hash is kept). Clients send it as Authorization: Bearer <key>.',
      );
    });

  keys
    .command('list')
    .description('list API keys: id, tenants, scopes, label, creation and revocation times (never secrets or hashes)')
    .action(async (_opts: unknown, command: Command) => {
      const out = output();
      const all = (await withStore(command, (store) => store.list())).map(listed);
      out.summary({ keys: all }, all.length === 0 ? 'no API keys (create one with `memfabric keys create`)' : table(all));
    });

  keys
    .command('revoke <id>')
    .description('revoke an API key: it stops authenticating from the next request on (the record is kept)')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const out = output();
      const { before, after } = await withStore(command, async (store) => {
        const previous = await store.get(id);
        if (previous === undefined) throw new NotFoundError(`no API key ${id}`, { context: { id } });
        await store.revoke(id, new Date().toISOString());
        return { before: previous, after: await store.get(id) };
      });
      const revokedAt = after?.revokedAt ?? before.revokedAt ?? null;
      const already = before.revokedAt !== undefined;
      out.summary(
        { id, revokedAt, alreadyRevoked: already },
        already ? `API key ${id} was already revoked at ${revokedAt}` : `revoked API key ${id} at ${revokedAt}`,
      );
    });
}
