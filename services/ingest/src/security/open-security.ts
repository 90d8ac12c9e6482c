import { AdminTokenAuthenticator, createAuthenticator, loadAuthConfig, openKeyStore, Secret, type AuthConfig } from '@memfabric/auth-node';
import type { ApiKeyStore } from '@memfabric/auth';
import { configurationError, readWith, type ConfigReading } from '../config-reading.js';
import { readSecurityConfig, type SecurityConfig } from './security.config.js';
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

/** The checked settings {@link openSecurity} opens: authentication and the request protections. */
export interface ServerSecurityConfig {
  readonly auth: AuthConfig;
  readonly security: SecurityConfig;
}

/**
 * Reads a server's authentication and request protections from its environment without
 * throwing (see `loadAuthConfig` and `readSecurityConfig` for the variables), so a start-up can
 * report these problems together with the other modules'.
 *
 * @param bind.dataDir - absolute data directory (default key store location).
 * @param bind.host - the address the server will bind (decides the Host allow-list default).
 * @returns the settings when valid, and one line per invalid variable, naming it.
 */
export function readServerSecurityConfig(env: Env, bind: { readonly dataDir: string; readonly host: string }): ConfigReading<ServerSecurityConfig> {
  const auth = readWith(() => loadAuthConfig(env, { dataDir: bind.dataDir }));
  const security = readSecurityConfig(env, bind.host);
  const problems = [...auth.problems, ...security.problems];
  if (problems.length > 0 || auth.config === undefined) return { problems };
  return { config: { auth: auth.config, security: security.config }, problems };
}

/**
 * Opens a server's authentication and request protections from its environment: the admin
 * token, the API key store (`<dataDir>/keys.db`, or the read-only `MEMFABRIC_API_KEYS_FILE`),
 * OIDC JWTs, the Host allow-list and the rate limits (variables: {@link readServerSecurityConfig}).
 *
 * @param bind.dataDir - absolute data directory (default key store location).
 * @param bind.host - the address the server will bind (decides the Host allow-list default).
 * @throws ConfigurationError listing every invalid variable of both at once.
 */
export function openSecurity(env: Env, bind: { readonly dataDir: string; readonly host: string }): OpenedSecurity {
  const reading = readServerSecurityConfig(env, bind);
  if (reading.config === undefined) throw configurationError('security', reading.problems);
  return openServerSecurity(reading.config);
}

/**
 * Opens the security layer from settings already read by {@link readServerSecurityConfig}.
 * @throws ConfigurationError when the key store cannot be opened.
 */
export function openServerSecurity(config: ServerSecurityConfig): OpenedSecurity {
  const keyStore: ApiKeyStore = openKeyStore(config.auth);
  const authenticator = createAuthenticator(config.auth, { keyStore });
  return {
    options: { authenticator, config: config.security },
    auth: config.auth,
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
