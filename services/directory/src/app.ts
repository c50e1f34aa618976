import { RevocationList, TokenVerifier, createServer, installAuthentication, openServiceResources } from '@sanctum/kernel';
import type { AuthEventsFollower, Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import type { JWTVerifyGetKey } from 'jose';
import type { DirectoryConfig } from './config.js';
import { BundleService } from './domain/bundle.service.js';
import { HandleCache } from './domain/handle.cache.js';
import { HandleService } from './domain/handle.service.js';
import { KeyService } from './domain/key.service.js';
import { ProfileService } from './domain/profile.service.js';
import { createAuthEventsFollower } from './events/auth-events.consumer.js';
import { HandleChanges } from './events/handle-changes.bus.js';
import { migrations } from './migrations/index.js';
import { installBundleRoutes } from './routes/bundle.routes.js';
import { installDeviceRoutes } from './routes/device.routes.js';
import { installHandleRoutes } from './routes/handle.routes.js';
import { installKeyRoutes } from './routes/key.routes.js';
import { installProfileRoutes } from './routes/profile.routes.js';
import { AuthEventsStore } from './store/auth-events.store.js';
import { BundleStore } from './store/bundle.store.js';
import { DeviceStore } from './store/device.store.js';
import { HandleStore } from './store/handle.store.js';
import { PreKeyStore } from './store/prekey.store.js';
import { ProfileStore } from './store/profile.store.js';
import type { DirectoryTables } from './store/tables.js';

export interface DirectoryDeps {
  config: Readonly<DirectoryConfig>;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  database?: Database<DirectoryTables>;
  bus?: NotificationBus;
  /** Verify tokens against these keys instead of Auth's JWKS (tests). */
  keySet?: JWTVerifyGetKey;
  /** False keeps the Auth event follower stopped whatever the config says (unit tests without a feed). */
  followAuthEvents?: boolean;
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The running Auth event follower, or null when disabled. */
    authEvents: AuthEventsFollower | null;
  }
}

/** Longest access-token lifetime Auth may issue; bounds how long a revocation is remembered. */
const MAX_TOKEN_TTL_S = 3600;

/** Builds the Directory service without listening (tests call `app.inject`). */
export async function buildApp(deps: DirectoryDeps): Promise<SanctumApp> {
  const { config } = deps;
  const now = deps.now ?? Date.now;
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

  const db = resources.database.db;
  const devices = new DeviceStore(db);
  const handleCache = new HandleCache({ ttlMs: config.HANDLE_CACHE_TTL_MS, maxEntries: config.HANDLE_CACHE_MAX_ENTRIES }, now);
  const handleChanges = await HandleChanges.follow(resources.bus, handleCache, app.log);
  installHandleRoutes(app, new HandleService(new HandleStore(db), now, handleChanges), {
    max: config.LOOKUP_RATE_LIMIT_MAX,
    windowMs: config.LOOKUP_RATE_LIMIT_WINDOW_MS,
  });
  installProfileRoutes(
    app,
    new ProfileService(
      new ProfileStore(db),
      { displayNameMaxLength: config.DISPLAY_NAME_MAX_LENGTH, blobMaxBytes: config.PROFILE_BLOB_MAX_BYTES },
      now,
    ),
  );
  const prekeys = new PreKeyStore(resources.database);
  installKeyRoutes(app, new KeyService(devices, prekeys, { batchMax: config.PREKEY_BATCH_MAX, maxPerDevice: config.PREKEY_MAX_PER_DEVICE }, now));
  installBundleRoutes(app, new BundleService(new BundleStore(resources.database)), {
    max: config.BUNDLE_RATE_LIMIT_MAX,
    windowMs: config.BUNDLE_RATE_LIMIT_WINDOW_MS,
  });
  installDeviceRoutes(app, devices);

  const follow = deps.followAuthEvents ?? config.AUTH_EVENTS_FOLLOW;
  const forgetDeletedAccount = (accountId: string): void => {
    handleChanges.changed(accountId);
  };
  const follower = follow
    ? createAuthEventsFollower(config, new AuthEventsStore(db), revocations, app.log, forgetDeletedAccount)
    : null;
  app.decorate('authEvents', follower);
  app.addHook('onReady', async () => {
    follower?.start();
  });
  app.addHook('onClose', async () => {
    // The follower writes to the database: stop it before the database closes.
    await follower?.stop();
    await handleChanges.stop();
    await resources.close();
  });
  return app;
}
