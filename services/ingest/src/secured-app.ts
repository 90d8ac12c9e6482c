import { Module, type DynamicModule } from '@nestjs/common';
import { SecurityModule, type SecurityModuleOptions } from './security/security.module.js';

/** Root module of an HTTP app: the security layer plus the service modules. */
@Module({})
class SecuredAppModule {}

/**
 * The root module of a memfabric HTTP app: {@link SecurityModule} (authentication, authorization
 * of every route, rate limits, Host allow-list) imported once, beside the service modules.
 */
export function securedApp(security: SecurityModuleOptions, ...modules: DynamicModule[]): DynamicModule {
  return { module: SecuredAppModule, imports: [SecurityModule.forRoot(security), ...modules] };
}
