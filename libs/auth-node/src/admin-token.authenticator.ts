import { createHash, timingSafeEqual } from 'node:crypto';
import { SCOPES, type Authenticator, type Principal } from '@memfabric/auth';
import { UnauthenticatedError } from '@memfabric/errors';
import type { Secret } from './secret.js';

/** The principal of the admin token: every tenant, every scope. */
export const ADMIN_PRINCIPAL: Principal = Object.freeze({
  id: 'admin',
  kind: 'admin-token',
  tenants: '*',
  scopes: Object.freeze([...SCOPES]),
});

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The operator's admin token (`MEMFABRIC_ADMIN_TOKEN`) as a credential: it authenticates as
 * {@link ADMIN_PRINCIPAL}. Tokens are compared in constant time on their SHA-256 digests, so
 * neither the content nor the length of the token leaks through timing.
 */
export class AdminTokenAuthenticator implements Authenticator {
  private readonly expected: Buffer;

  constructor(token: Secret) {
    this.expected = digest(token.reveal());
  }

  /** True when `credential` is the admin token (constant time). */
  matches(credential: string): boolean {
    return timingSafeEqual(digest(credential), this.expected);
  }

  /** Always true: a configured admin token makes credentials required. */
  required(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** @throws UnauthenticatedError when `credential` is not the admin token. */
  authenticate(credential: string): Promise<Principal> {
    if (this.matches(credential)) return Promise.resolve(ADMIN_PRINCIPAL);
    return Promise.reject(new UnauthenticatedError('the bearer token is not the admin token'));
  }
}
