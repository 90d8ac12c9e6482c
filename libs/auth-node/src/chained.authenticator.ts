import { API_KEY_PREFIX, type ApiKeyStore, type Authenticator, type Principal } from '@memfabric/auth';
import { UnauthenticatedError } from '@memfabric/errors';
import { AdminTokenAuthenticator } from './admin-token.authenticator.js';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import type { AuthConfig } from './auth.config.js';
import { JwtAuthenticator } from './jwt.authenticator.js';

/** A compact JWS: three base64url segments (RFC 7515 §7.1). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The authenticators a {@link ChainedAuthenticator} tries. */
export interface AuthenticatorChain {
  readonly adminToken?: AdminTokenAuthenticator;
  readonly apiKeys: ApiKeyAuthenticator;
  readonly jwt?: JwtAuthenticator;
}

/**
 * Every configured credential kind behind one {@link Authenticator}: the admin token (exact
 * match, constant time), then API keys (text starting `mfk_`), then JWTs (when an OIDC issuer
 * is configured). Credentials are required once any kind is configured: an admin token, an
 * issuer, or any API key ever created.
 */
export class ChainedAuthenticator implements Authenticator {
  constructor(private readonly chain: AuthenticatorChain) {}

  async required(): Promise<boolean> {
    if (this.chain.adminToken !== undefined || this.chain.jwt !== undefined) return true;
    return this.chain.apiKeys.required();
  }

  /**
   * @throws UnauthenticatedError when no authenticator recognises the credential, or the one
   *   that does refuses it.
   * @throws UnavailableError when the OIDC issuer's keys cannot be fetched.
   */
  async authenticate(credential: string): Promise<Principal> {
    const { adminToken, apiKeys, jwt } = this.chain;
    if (adminToken?.matches(credential)) return adminToken.authenticate(credential);
    if (credential.startsWith(`${API_KEY_PREFIX}_`)) return apiKeys.authenticate(credential);
    if (JWT_SHAPE.test(credential)) {
      if (jwt !== undefined) return jwt.authenticate(credential);
      throw new UnauthenticatedError('JWTs are not accepted: no OIDC issuer is configured (MEMFABRIC_OIDC_ISSUER)');
    }
    throw new UnauthenticatedError('unrecognised credential: send an API key (mfk_...), an OIDC access token or the admin token');
  }
}

/** What {@link createAuthenticator} needs besides the configuration. */
export interface AuthenticatorDependencies {
  /** The store of {@link openKeyStore}; the caller owns (and closes) it. */
  readonly keyStore: ApiKeyStore;
  /** `fetch` for OIDC discovery (default the global one). */
  readonly fetch?: typeof fetch;
}

/** Builds the service's authenticator from its {@link AuthConfig}. */
export function createAuthenticator(config: AuthConfig, deps: AuthenticatorDependencies): ChainedAuthenticator {
  const oidc = config.oidc;
  return new ChainedAuthenticator({
    ...(config.adminToken === undefined ? {} : { adminToken: new AdminTokenAuthenticator(config.adminToken) }),
    apiKeys: new ApiKeyAuthenticator(deps.keyStore),
    ...(oidc === undefined
      ? {}
      : {
          jwt: new JwtAuthenticator({
            issuer: oidc.issuer,
            audience: oidc.audience,
            claims: oidc.claims,
            clockToleranceS: oidc.clockToleranceS,
            ...(oidc.jwksUrl === undefined ? {} : { jwksUrl: oidc.jwksUrl }),
            ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
          }),
        }),
  });
}
