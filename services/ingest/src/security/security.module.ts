import { Global, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { UnauthenticatedError } from '@memfabric/errors';
import type { Authenticator } from '@memfabric/auth';
import { AuthGuard } from './auth.guard.js';
import { EarlyAuthMiddleware } from './early-auth.middleware.js';
import { HostAllowlistMiddleware } from './host-allowlist.middleware.js';
import { RequestRateLimiter } from './rate-limit.js';
import { SECURITY_DEFAULTS, type SecurityConfig } from './security.config.js';
import { AUTHENTICATOR, RATE_LIMITER, SECURITY_CONFIG } from './security.tokens.js';

/** What {@link SecurityModule.forRoot} needs. */
export interface SecurityModuleOptions {
  readonly authenticator: Authenticator;
  readonly config: SecurityConfig;
}

/** An authenticator for tests and embedded callers that configure no credential: nothing is required, every presented credential is refused. */
export const NO_CREDENTIALS: Authenticator = {
  required: () => Promise.resolve(false),
  authenticate: () => Promise.reject(new UnauthenticatedError('no credential is configured on this server')),
};

/** Security options of an app that configures nothing: no credential (loopback-only mode), loopback hosts, default limits. */
export const DEFAULT_SECURITY: SecurityModuleOptions = {
  authenticator: NO_CREDENTIALS,
  config: { allowedHosts: undefined, rateLimitPerKey: SECURITY_DEFAULTS.rateLimitPerKey, rateLimitPerTenant: SECURITY_DEFAULTS.rateLimitPerTenant },
};

/**
 * Authentication, authorization, rate limits and the Host allow-list for a whole Nest app:
 * import it once in the app's root module (the service modules stay free of it, so the
 * all-in-one runner and each stand-alone service compose it alike).
 */
@Global()
@Module({})
export class SecurityModule implements NestModule {
  static forRoot(options: SecurityModuleOptions): DynamicModule {
    return {
      module: SecurityModule,
      providers: [
        { provide: AUTHENTICATOR, useValue: options.authenticator },
        { provide: SECURITY_CONFIG, useValue: options.config },
        { provide: RATE_LIMITER, useValue: new RequestRateLimiter(options.config) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [AUTHENTICATOR, SECURITY_CONFIG, RATE_LIMITER],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // the Host check, then authentication, before any module's body parser (this module is imported first)
    consumer.apply(HostAllowlistMiddleware, EarlyAuthMiddleware).forRoutes({ path: '{*splat}', method: RequestMethod.ALL });
  }
}
