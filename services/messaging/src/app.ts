import { RevocationList, TokenVerifier, createServer, installAuthentication, openServiceResources } from '@sanctum/kernel';
import type { Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import type { JWTVerifyGetKey } from 'jose';
import type { MessagingConfig } from './config.js';
import { migrations } from './migrations/index.js';
import type { MessagingTables } from './store/tables.js';

export interface MessagingDeps {
  config: Readonly<MessagingConfig>;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  database?: Database<MessagingTables>;
  bus?: NotificationBus;
  /** Verify tokens against these keys instead of Auth's JWKS (tests). */
  keySet?: JWTVerifyGetKey;
}

/** Longest access-token lifetime Auth may issue; bounds how long a revocation is remembered. */
const MAX_TOKEN_TTL_S = 3600;

/** Builds the Messaging service without listening (tests call `app.inject`). */
export async function buildApp(deps: MessagingDeps): Promise<SanctumApp> {
  const { config } = deps;
  const resources = await openServiceResources<MessagingTables>({
    config,
    name: 'messaging',
    migrations,
    database: deps.database,
    bus: deps.bus,
  });
  const app = await createServer({
    service: 'messaging',
    description: 'Conversations, durable per-device queues and real-time delivery',
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
