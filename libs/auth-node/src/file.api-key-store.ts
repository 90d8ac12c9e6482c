import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { oldestFirst, type ApiKeyRecord, type ApiKeyStore } from '@memfabric/auth';
import { ConfigurationError } from '@memfabric/errors';
import { apiKeyRecordSchema, compactRecord, describeIssue } from './api-key-record.schema.js';

/** The file's shape: `{ "keys": [ApiKeyRecord, ...] }`. */
const keyFileSchema = z.object({ keys: z.array(apiKeyRecordSchema) }).strict();

/** `keys[i].id: duplicate id X` for every repeated id, whether or not the rest of its record is valid. */
function duplicateIds(json: unknown): string[] {
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  keys.forEach((key: unknown, index) => {
    const id = (key as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (seen.has(id)) problems.push(`keys[${index}].id: duplicate id ${id}`);
    seen.add(id);
  });
  return problems;
}

/** What identifies one version of the file: a rewrite or a swapped mount changes one of these. */
function versionOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

/**
 * Parses the text of a key file.
 * @throws ConfigurationError naming the file and listing every problem, one per line.
 */
export function parseKeyFile(file: string, text: string): readonly ApiKeyRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`invalid API key file ${file}: not JSON (${(cause as Error).message})`, { cause, context: { file } });
  }
  const parsed = keyFileSchema.safeParse(json);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((issue) => describeIssue(issue))), ...duplicateIds(json)];
  if (!parsed.success || problems.length > 0) {
    throw new ConfigurationError(`invalid API key file ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`, { context: { file, problems } });
  }
  return oldestFirst(parsed.data.keys.map((k) => compactRecord(k as ApiKeyRecord)));
}

/**
 * A read-only {@link ApiKeyStore} over a JSON file `{ "keys": [ApiKeyRecord, ...] }`, for a
 * Kubernetes Secret mounted as a file (`MEMFABRIC_API_KEYS_FILE`). Keys are managed where the
 * secret is; `add` and `revoke` refuse.
 *
 * The file is stat'ed on every read and re-read when its inode, size or mtime changed (a
 * Secret update swaps the mount's symlink, which changes the inode), so an updated Secret
 * counts from the next request on. A file that became invalid fails closed: reads throw
 * ConfigurationError until it is fixed (an old, possibly revoked, key is never kept alive).
 */
export class FileApiKeyStore implements ApiKeyStore {
  private constructor(
    private readonly file: string,
    private version: string,
    private records: readonly ApiKeyRecord[],
  ) {}

  /**
   * Reads and validates the file once, at start-up.
   * @throws ConfigurationError when it cannot be read or is invalid (every problem listed).
   */
  static open(file: string): FileApiKeyStore {
    let stats: Stats;
    let text: string;
    try {
      stats = statSync(file);
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigurationError(`cannot read the API key file ${file} (MEMFABRIC_API_KEYS_FILE): ${(cause as Error).message}`, { cause, context: { file } });
    }
    return new FileApiKeyStore(file, versionOf(stats), parseKeyFile(file, text));
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return (await this.current()).find((r) => r.id === id);
  }

  list(): Promise<readonly ApiKeyRecord[]> {
    return this.current();
  }

  async hasAny(): Promise<boolean> {
    return (await this.current()).length > 0;
  }

  /** @throws ConfigurationError always: the file is read-only. */
  add(_record: ApiKeyRecord): Promise<void> {
    return Promise.reject(this.readOnly());
  }

  /** @throws ConfigurationError always: the file is read-only. */
  revoke(_id: string, _at: string): Promise<boolean> {
    return Promise.reject(this.readOnly());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private readOnly(): ConfigurationError {
    return new ConfigurationError(
      `the API key file ${this.file} is read-only (MEMFABRIC_API_KEYS_FILE): add or revoke keys in the secret it is mounted from`,
      { context: { file: this.file } },
    );
  }

  private async current(): Promise<readonly ApiKeyRecord[]> {
    let stats: Stats;
    try {
      stats = await stat(this.file);
    } catch (cause) {
      throw new ConfigurationError(`cannot read the API key file ${this.file}: ${(cause as Error).message}`, { cause, context: { file: this.file } });
    }
    const version = versionOf(stats);
    if (version === this.version) return this.records;
    const text = await readFile(this.file, 'utf8').catch((cause: unknown) => {
      throw new ConfigurationError(`cannot read the API key file ${this.file}: ${(cause as Error).message}`, { cause, context: { file: this.file } });
    });
    const records = parseKeyFile(this.file, text);
    this.records = records;
    this.version = version;
    return records;
  }
}
