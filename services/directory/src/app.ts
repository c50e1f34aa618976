import { RevocationList, TokenVerifier, createServer, installAuthentication, openServiceResources } from '@sanctum/kernel';
import type { Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import type { JWTVerifyGetKey } from 'jose';
import type { DirectoryConfig } from './config.js';
import { migrations } from './migrations/index.js';
import type { DirectoryTables } from './store/tables.js';

export interface DirectoryDeps {
  config: Readonly<DirectoryConfig>;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  database?: Database<DirectoryTables>;
  bus?: NotificationBus;
  /** Verify tokens against these keys instead of Auth's JWKS (tests). */
  keySet?: JWTVerifyGetKey;
}

/** Longest access-token lifetime Auth may issue; bounds how long a revocation is remembered. */
const MAX_TOKEN_TTL_S = 3600;

/** Builds the Directory service without listening (tests call `app.inject`). */
export async function buildApp(deps: DirectoryDeps): Promise<SanctumApp> {
  const { config } = deps;
  const resources = await openServiceResources<DirectoryTables>({
    config,
    name: 'directory',
    migrations,
    database: deps.database,
    bus: deps.bus,
  });
  const app = await createServer({
    service: 'directory',
    description: 'Handles, profiles and public key material',
    config,
    readyChecks: resources.readyChecks,
    redis: resources.redis,
    bearerAuth: true,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const revocations = new RevocationList(MAX_TOKEN_TTL_S);
  const verifier = new TokenVerifier({
    ...(deps.keySet === undefined ? { jwksUrl: new URL('/.well-known/jwks.json', config.AUTH_URL).href } : { keySet: deps.keySet }),
    issuer: config.TOKEN_ISSUER,
    audience: config.TOKEN_AUDIENCE,
    revocations,
  });
  installAuthentication(app, verifier);
  app.addHook('onClose', () => resources.close());
  return app;
}
