import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '@memfabric/errors';
import type { Principal } from '@memfabric/auth';
import type { SecurityConfig } from './security.config.js';

/**
 * Per-credential and per-tenant request budgets (fixed one-second windows, in process memory,
 * `rate-limiter-flexible`). The credential-less local principal is not limited (it exists only
 * on loopback). A replicated deployment limits per replica; a shared store (Redis) would be a
 * drop-in `RateLimiterRedis` behind this class.
 */
export class RequestRateLimiter {
  private readonly perKey: RateLimiterMemory | undefined;
  private readonly perTenant: RateLimiterMemory | undefined;

  constructor(config: Pick<SecurityConfig, 'rateLimitPerKey' | 'rateLimitPerTenant'>) {
    this.perKey = config.rateLimitPerKey > 0 ? new RateLimiterMemory({ keyPrefix: 'key', points: config.rateLimitPerKey, duration: 1 }) : undefined;
    this.perTenant = config.rateLimitPerTenant > 0 ? new RateLimiterMemory({ keyPrefix: 'tenant', points: config.rateLimitPerTenant, duration: 1 }) : undefined;
  }

  /**
   * Spends one request of the principal's budget and of each tenant's.
   * @throws RateLimitedError (429) with the milliseconds until the next request is admitted.
   */
  async consume(principal: Principal, tenants: readonly string[]): Promise<void> {
    if (principal.kind === 'local') return;
    try {
      if (this.perKey) await this.perKey.consume(principal.id);
      if (this.perTenant) for (const tenant of tenants) await this.perTenant.consume(tenant);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw new RateLimitedError('too many requests: slow down and retry after the Retry-After delay', Math.max(1, error.msBeforeNext), { context: { principal: principal.id } });
      }
      throw error;
    }
  }
}
