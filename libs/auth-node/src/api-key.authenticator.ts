import { parseApiKey, type ApiKeyStore, type Authenticator, type Principal } from '@memfabric/auth';
import { UnauthenticatedError } from '@memfabric/errors';
import { secretMatches } from './api-key.crypto.js';

/** The one answer for an unknown id, a wrong secret and a revoked key: nothing tells them apart. */
export const UNKNOWN_OR_REVOKED = 'unknown or revoked API key';

/** Compared against when the id is unknown, so every refusal costs the same hashing. */
const DUMMY_HASH = '0'.repeat(64);

/**
 * Authenticates `mfk_<id>_<secret>` API keys against an {@link ApiKeyStore}: the record is
 * read on every call (a revocation counts from the next request), the secret's SHA-256
 * compared in constant time. The principal is `{ id: 'key:<id>', kind: 'api-key' }` with the
 * record's tenants and scopes.
 */
export class ApiKeyAuthenticator implements Authenticator {
  constructor(private readonly store: ApiKeyStore) {}

  /** True once any key was created (revoked ones count). */
  required(): Promise<boolean> {
    return this.store.hasAny();
  }

  /**
   * @throws UnauthenticatedError "unknown or revoked API key" for an unknown id, a wrong secret
   *   or a revoked key alike; "malformed API key" when the text is not shaped like one.
   */
  async authenticate(credential: string): Promise<Principal> {
    const parsed = parseApiKey(credential);
    if (parsed === undefined) throw new UnauthenticatedError('malformed API key: expected mfk_<12 characters>_<43 characters>');
    const record = await this.store.get(parsed.id);
    const matches = secretMatches(parsed.secret, record?.secretHash ?? DUMMY_HASH);
    if (record === undefined || !matches || record.revokedAt !== undefined) throw new UnauthenticatedError(UNKNOWN_OR_REVOKED);
    return { id: `key:${record.id}`, kind: 'api-key', tenants: [...record.tenants], scopes: [...record.scopes] };
  }
}
