import type { Scope } from './principal.js';

/** Prefix of every memfabric API key, so leaked keys are recognisable by secret scanners. */
export const API_KEY_PREFIX = 'mfk';

/** Length of a key id (lowercase base32-ish alphabet `[a-z0-9]`). */
export const API_KEY_ID_LENGTH = 12;

/** Secret part: 43 characters of base64url (32 random bytes). */
export const API_KEY_SECRET_LENGTH = 43;

const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}_([a-z0-9]{${API_KEY_ID_LENGTH}})_([A-Za-z0-9_-]{${API_KEY_SECRET_LENGTH}})$`);

/** The two parts of an API key `mfk_<id>_<secret>`. */
export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

/** Formats a key from its id and secret: `mfk_<id>_<secret>`. */
export function formatApiKey(id: string, secret: string): string {
  return `${API_KEY_PREFIX}_${id}_${secret}`;
}

/**
 * Splits a presented API key into id and secret.
 * @returns `undefined` when the text is not shaped like a memfabric key (then it may be a JWT).
 */
export function parseApiKey(text: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/**
 * A stored API key: never the key itself, only the SHA-256 of its secret (hex). The secret is 256
 * random bits, so a fast hash is enough (nothing to brute-force); see `docs/security.md`.
 */
export interface ApiKeyRecord {
  readonly id: string;
  /** Lowercase hex SHA-256 of the secret part. */
  readonly secretHash: string;
  readonly tenants: readonly string[];
  readonly scopes: readonly Scope[];
  /** Free text shown by `keys list` (who or what the key is for); at most 256 characters. */
  readonly label?: string;
  /** RFC 3339 UTC. */
  readonly createdAt: string;
  /** RFC 3339 UTC; present once revoked (the record is kept, the key no longer authenticates). */
  readonly revokedAt?: string;
}

/**
 * Where API keys are kept: a SQLite file in the data directory (embedded) or a file mounted from
 * the cluster's secret store. Adapters pass `@memfabric/auth/testing`'s `apiKeyStoreContract`.
 */
export interface ApiKeyStore {
  /** The record of a key id, revoked or not; `undefined` when unknown. */
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every record, oldest first. */
  list(): Promise<readonly ApiKeyRecord[]>;
  /**
   * Whether any key was ever created (revoked ones count): a server with keys requires
   * authentication on every route even after every key was revoked.
   */
  hasAny(): Promise<boolean>;
  /**
   * Stores a new record.
   * @throws ValidationError when the id exists already.
   * @throws ConfigurationError when the store is read-only (a mounted secret file).
   */
  add(record: ApiKeyRecord): Promise<void>;
  /**
   * Marks a key revoked at `at` (RFC 3339).
   * @returns false when no key has this id; true otherwise (also when it was already revoked).
   * @throws ConfigurationError when the store is read-only.
   */
  revoke(id: string, at: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Records oldest first (`createdAt`), insertion order among equal times: the order of
 * {@link ApiKeyStore.list} in every adapter.
 */
export function oldestFirst(records: readonly ApiKeyRecord[]): ApiKeyRecord[] {
  return records
    .map((record, index) => ({ record, index }))
    .sort((a, b) => (a.record.createdAt < b.record.createdAt ? -1 : a.record.createdAt > b.record.createdAt ? 1 : a.index - b.index))
    .map(({ record }) => record);
}
