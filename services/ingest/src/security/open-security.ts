import { ConfigurationError, MemfabricError } from '@memfabric/errors';
import { AdminTokenAuthenticator, createAuthenticator, loadAuthConfig, openKeyStore, Secret, type AuthConfig } from '@memfabric/auth-node';
import type { ApiKeyStore } from '@memfabric/auth';
import { readSecurityConfig } from './security.config.js';
import { NO_CREDENTIALS, type SecurityModuleOptions } from './security.module.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The security layer of one server, opened from its environment by {@link openSecurity}. */
export interface OpenedSecurity {
  /** Options for `SecurityModule.forRoot` / `securedApp`. */
  readonly options: SecurityModuleOptions;
  /** The authentication settings (safe to log: secrets print as `[redacted]`). */
  readonly auth: AuthConfig;
  /** Whether a credential is required now (an admin token, an OIDC issuer, or any API key ever created). */
  required(): Promise<boolean>;
  /** Closes the key store. */
  close(): Promise<void>;
}

/**
 * Opens a server's authentication and request protections from its environment: the admin
 * token, the API key store (`<dataDir>/keys.db`, or the read-only `MEMFABRIC_API_KEYS_FILE`),
 * OIDC JWTs, the Host allow-list and the rate limits (see `loadAuthConfig` and
 * `readSecurityConfig` for the variables).
 *
 * @param bind.dataDir - absolute data directory (default key store location).
 * @param bind.host - the address the server will bind (decides the Host allow-list default).
 * @throws ConfigurationError listing every invalid variable of both at once.
 */
export function openSecurity(env: Env, bind: { readonly dataDir: string; readonly host: string }): OpenedSecurity {
  const problems: string[] = [];
  let auth: AuthConfig | undefined;
  try {
    auth = loadAuthConfig(env, { dataDir: bind.dataDir });
  } catch (error) {
    if (!MemfabricError.is(error) || error.code !== 'configuration_invalid') throw error;
    const listed = error.context['problems'];
    problems.push(...(Array.isArray(listed) ? listed.map(String) : [error.message]));
  }
  const security = readSecurityConfig(env, bind.host);
  problems.push(...security.problems);
  if (problems.length > 0 || auth === undefined) {
    throw new ConfigurationError(`invalid security configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { context: { problems } });
  }
  const keyStore: ApiKeyStore = openKeyStore(auth);
  const authenticator = createAuthenticator(auth, { keyStore });
  return {
    options: { authenticator, config: security.config },
    auth,
    required: () => authenticator.required(),
    close: () => keyStore.close(),
  };
}

/**
 * Security options for an embedded app given only an admin token (tests, the stand-alone audit
 * app): the token authenticates as the admin principal; without one, nothing is required.
 */
export function adminTokenSecurity(adminToken: string | undefined, config: SecurityModuleOptions['config']): SecurityModuleOptions {
  if (adminToken === undefined) return { authenticator: NO_CREDENTIALS, config };
  const admin = new AdminTokenAuthenticator(new Secret(adminToken));
  return { authenticator: admin, config };
}
