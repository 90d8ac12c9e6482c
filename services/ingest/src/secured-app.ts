import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MetricsController } from './metrics.controller.js';
import { SecurityModule, type SecurityModuleOptions } from './security/security.module.js';
import { TraceInterceptor } from './trace.interceptor.js';

/** Root module of an HTTP app: the security layer, `/metrics` and request spans, plus the service modules. */
@Module({ controllers: [MetricsController], providers: [{ provide: APP_INTERCEPTOR, useClass: TraceInterceptor }] })
class SecuredAppModule {}

/**
 * The root module of a memfabric HTTP app: {@link SecurityModule} (authentication, authorization
 * of every route, rate limits, Host allow-list) imported once, beside the service modules; and
 * in every app the public `GET /metrics` ({@link MetricsController}) and one SERVER span per
 * request ({@link TraceInterceptor}).
 */
export function securedApp(security: SecurityModuleOptions, ...modules: DynamicModule[]): DynamicModule {
  return { module: SecuredAppModule, imports: [SecurityModule.forRoot(security), ...modules] };
}
