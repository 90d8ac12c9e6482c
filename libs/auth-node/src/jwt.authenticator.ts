import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { DEFAULT_CLAIMS_MAPPING, principalFromClaims, type Authenticator, type ClaimsMapping, type Principal } from '@memfabric/auth';
import { UnauthenticatedError, UnavailableError } from '@memfabric/errors';
import { issuerUrlProblem } from './issuer-url.js';

/** Asymmetric JWS algorithms accepted by default (RFC 7518 §3.1, RFC 8037); never `none` or HMAC. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Options of {@link JwtAuthenticator}. */
export interface JwtAuthenticatorOptions {
  /** Expected `iss`, exactly as the identity provider writes it. */
  readonly issuer: string;
  /** Expected `aud` (the token's `aud` must contain it). */
  readonly audience: string;
  /** JWKS location; when absent, the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  readonly jwksUrl?: string;
  /** Claims holding tenants and scopes (default {@link DEFAULT_CLAIMS_MAPPING}). */
  readonly claims?: ClaimsMapping;
  /** Leeway for `exp` / `nbf` / `iat`, in seconds (default 30). */
  readonly clockToleranceS?: number;
  /** Accepted `alg` values (default {@link DEFAULT_JWT_ALGORITHMS}). */
  readonly algorithms?: readonly string[];
  /** Timeout of the discovery request and of each JWKS fetch, in ms (default 5000). */
  readonly fetchTimeoutMs?: number;
  /** `fetch` used for OIDC discovery (default the global one). */
  readonly fetch?: typeof fetch;
}

/** Why jose refused a token, in a few words (never the token, never its claims). */
function reasonOf(error: errors.JOSEError): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as errors.JWTClaimValidationFailed).claim;
      if (claim === 'iss') return 'the token was not issued by the configured issuer';
      if (claim === 'aud') return 'the token is not for this audience';
      if (claim === 'nbf') return 'the token is not valid yet';
      return `the token's ${claim} claim is invalid`;
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return "the token's signature does not verify";
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'no signing key of the issuer matches the token';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return "the token's signing algorithm is not accepted";
    default:
      return 'the token is malformed';
  }
}

/** jose errors raised while fetching the key set rather than judging the token. */
const FETCH_FAILURES = new Set(['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

/**
 * Verifies OIDC access tokens (`Authorization: Bearer <JWT>`) with jose: signature against the
 * issuer's JWKS (RFC 7517; fetched and cached by `createRemoteJWKSet`, refetched on an unknown
 * `kid`), `iss`, `aud`, `exp` / `nbf` with a clock tolerance, an allow-list of algorithms
 * (RFC 8725 §3.1). Claims become a principal with `principalFromClaims`.
 *
 * Without a configured JWKS URL, the issuer's discovery document (OpenID Connect Discovery 1.0
 * §4) is fetched once, on the first token; a failed discovery is retried on the next token.
 */
export class JwtAuthenticator implements Authenticator {
  private keys: Promise<{ getKey: JWTVerifyGetKey; url: string }> | undefined;
  private readonly claims: ClaimsMapping;
  private readonly timeoutMs: number;

  constructor(private readonly options: JwtAuthenticatorOptions) {
    this.claims = options.claims ?? DEFAULT_CLAIMS_MAPPING;
    this.timeoutMs = options.fetchTimeoutMs ?? 5000;
  }

  /** Always true: a configured issuer makes credentials required. */
  required(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /**
   * @throws UnauthenticatedError with a short reason (expired, wrong issuer or audience, bad
   *   signature, no tenant or scope) when the token does not verify.
   * @throws UnavailableError when the discovery document or the JWKS cannot be fetched.
   */
  async authenticate(credential: string): Promise<Principal> {
    const { getKey, url } = await this.keySet();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(credential, getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...(this.options.algorithms ?? DEFAULT_JWT_ALGORITHMS)],
        clockTolerance: this.options.clockToleranceS ?? 30,
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError && !FETCH_FAILURES.has(error.code)) {
        throw new UnauthenticatedError(`invalid token: ${reasonOf(error)}`, { context: { reason: error.code } });
      }
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnavailableError(`cannot fetch the issuer's signing keys from ${url}: ${detail}`, { cause: error, context: { jwksUrl: url } });
    }
    return principalFromClaims(payload, this.claims);
  }

  private keySet(): Promise<{ getKey: JWTVerifyGetKey; url: string }> {
    this.keys ??= this.resolveJwksUrl().then(
      (url) => ({ getKey: createRemoteJWKSet(new URL(url), { timeoutDuration: this.timeoutMs }), url }),
      (error: unknown) => {
        this.keys = undefined;
        throw error;
      },
    );
    return this.keys;
  }

  private async resolveJwksUrl(): Promise<string> {
    if (this.options.jwksUrl !== undefined) return this.options.jwksUrl;
    const issuer = this.options.issuer;
    const discovery = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const fail = (why: string, cause?: unknown) =>
      new UnavailableError(`OIDC discovery at ${discovery} failed: ${why}`, { ...(cause === undefined ? {} : { cause }), context: { discovery } });
    let document: unknown;
    try {
      const response = await (this.options.fetch ?? fetch)(discovery, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw fail(`HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      throw fail(error instanceof Error ? error.message : String(error), error);
    }
    const { jwks_uri: jwksUri, issuer: advertised } = (document ?? {}) as { jwks_uri?: unknown; issuer?: unknown };
    if (advertised !== issuer) throw fail(`the document names issuer ${JSON.stringify(advertised)}, not ${issuer}`);
    if (typeof jwksUri !== 'string') throw fail('the document has no jwks_uri');
    const problem = issuerUrlProblem(jwksUri);
    if (problem !== undefined) throw fail(`jwks_uri ${problem}`);
    return jwksUri;
  }
}
