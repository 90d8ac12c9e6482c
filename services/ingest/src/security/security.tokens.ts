/** Injection token of the {@link Authenticator} every route authenticates with. */
export const AUTHENTICATOR = Symbol.for('memfabric.authenticator');
/** Injection token of the {@link RequestRateLimiter}. */
export const RATE_LIMITER = Symbol.for('memfabric.rate-limiter');
/** Injection token of the {@link SecurityConfig}. */
export const SECURITY_CONFIG = Symbol.for('memfabric.security-config');
