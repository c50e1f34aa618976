import { createServer, openServiceResources } from '@sanctum/kernel';
import type { Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import type { AuthConfig } from './config.js';
import { migrations } from './migrations/index.js';
import type { AuthTables } from './store/tables.js';

export interface AuthDeps {
  config: Readonly<AuthConfig>;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  database?: Database<AuthTables>;
  bus?: NotificationBus;
}

/** Builds the Auth service without listening (tests call `app.inject`). */
export async function buildApp(deps: AuthDeps): Promise<SanctumApp> {
  const resources = await openServiceResources<AuthTables>({
    config: deps.config,
    name: 'auth',
    migrations,
    database: deps.database,
    bus: deps.bus,
  });
  const app = await createServer({
    service: 'auth',
    description: 'Accounts, devices, sessions and access tokens',
    config: deps.config,
    readyChecks: resources.readyChecks,
    redis: resources.redis,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  app.addHook('onClose', () => resources.close());
  return app;
}
