import { AUTH_EVENTS_CHANNEL, PeriodicTask, createServer, openServiceResources } from '@sanctum/kernel';
import type { Database, NotificationBus, SanctumApp, ServiceResources } from '@sanctum/kernel';
import type { AuthConfig } from './config.js';
import { AccessTokenIssuer } from './domain/access-token.issuer.js';
import { AccountService } from './domain/account.service.js';
import { ChallengeService } from './domain/challenge.service.js';
import { systemClock } from './domain/clock.js';
import type { Clock } from './domain/clock.js';
import { DeviceService } from './domain/device.service.js';
import { EventFeed } from './domain/event-feed.js';
import { EventNotifier } from './domain/event-notifier.js';
import { resolveKeyEncryptionKey } from './domain/key-encryption.js';
import { LinkService } from './domain/link.service.js';
import { Maintenance } from './domain/maintenance.js';
import { RecoverySecretHasher } from './domain/recovery-secret.js';
import { RecoveryService } from './domain/recovery.service.js';
import { SessionService } from './domain/session.service.js';
import { SignInService } from './domain/sign-in.service.js';
import { SigningKeyRing } from './domain/signing-key.ring.js';
import { migrations } from './migrations/index.js';
import { registerAccountRoutes } from './routes/account.routes.js';
import { installAuthAuthentication } from './routes/authentication.js';
import { registerDeviceRoutes } from './routes/device.routes.js';
import { registerInternalRoutes } from './routes/internal.routes.js';
import { registerJwksRoutes } from './routes/jwks.routes.js';
import { registerLinkRoutes } from './routes/link.routes.js';
import { registerRecoveryRoutes } from './routes/recovery.routes.js';
import type { AuthRouteDeps } from './routes/route-deps.js';
import { registerSessionRoutes } from './routes/session.routes.js';
import { AuthData } from './store/auth-data.js';
import type { AuthTables } from './store/tables.js';

export interface AuthDeps {
  config: Readonly<AuthConfig>;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  database?: Database<AuthTables>;
  bus?: NotificationBus;
  /** Tests hand in a clock they can move. */
  clock?: Clock;
}

export type { AuthConfig } from './config.js';
export { AuthConfigSchema, loadAuthConfig } from './config.js';

/** Builds the Auth service without listening (tests call `app.inject`). */
export async function buildApp(deps: AuthDeps): Promise<SanctumApp> {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const resources = await openServiceResources<AuthTables>({ config, name: 'auth', migrations, database: deps.database, bus: deps.bus });
  try {
    return await assemble(deps, clock, resources);
  } catch (error) {
    await resources.close();
    throw error;
  }
}

async function assemble(deps: AuthDeps, clock: Clock, resources: ServiceResources<AuthTables>): Promise<SanctumApp> {
  const { config } = deps;
  const { bus, database } = resources;
  const notifier = new EventNotifier();
  const data = new AuthData(database.db, () => {
    notifier.wakeAll();
    // Wakes long polls held by other instances; a lost wake-up only delays them until their wait ends.
    bus.publish(AUTH_EVENTS_CHANNEL, { at: clock.nowMs() }).catch(() => undefined);
  });

  const kek = resolveKeyEncryptionKey({ configured: config.SIGNING_KEY_ENCRYPTION_KEY, engine: database.engine, dataDir: config.DATA_DIR });
  const ring = new SigningKeyRing(data.stores.signingKeys, kek, clock, {
    rotationS: config.SIGNING_KEY_ROTATION_S,
    publishDelayS: config.SIGNING_KEY_PUBLISH_DELAY_S,
    reloadS: config.SIGNING_KEY_RELOAD_S,
  });
  await ring.load();
  await ring.rotateIfDue();

  const accessTokens = new AccessTokenIssuer(ring, { issuer: config.TOKEN_ISSUER, audience: config.TOKEN_AUDIENCE, ttlS: config.ACCESS_TOKEN_TTL_S }, clock);
  const sessions = new SessionService(data, accessTokens, clock, config.REFRESH_TOKEN_TTL_S);
  const challenges = new ChallengeService(data, clock, config.CHALLENGE_TTL_S, kek.derive('sanctum-auth/challenge-mac/v1'));
  const hasher = new RecoverySecretHasher(config.RECOVERY_SCRYPT_COST);
  const maxDevices = config.MAX_DEVICES_PER_ACCOUNT;

  const app = await createServer({
    service: 'auth',
    description: 'Accounts, devices, sessions and access tokens',
    config,
    readyChecks: resources.readyChecks,
    redis: resources.redis,
    bearerAuth: true,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });

  const routeDeps: AuthRouteDeps = {
    config,
    data,
    ring,
    sessions,
    accounts: new AccountService(data, challenges, sessions, hasher, clock, maxDevices),
    signIn: new SignInService(data, challenges, sessions),
    devices: new DeviceService(data, clock),
    links: new LinkService(data, sessions, clock, { ttlS: config.LINK_TTL_S, maxDevices }),
    recovery: new RecoveryService(data, challenges, sessions, hasher, clock, maxDevices),
    feed: new EventFeed(data, notifier, clock),
    authenticated: installAuthAuthentication(app, { ring, sessions, clock, issuer: config.TOKEN_ISSUER, audience: config.TOKEN_AUDIENCE }),
  };
  const shutdown = new AbortController();
  registerAccountRoutes(app, routeDeps);
  registerSessionRoutes(app, routeDeps);
  registerDeviceRoutes(app, routeDeps);
  registerLinkRoutes(app, routeDeps);
  registerRecoveryRoutes(app, routeDeps);
  registerJwksRoutes(app, routeDeps);
  registerInternalRoutes(app, routeDeps, shutdown.signal);

  const unsubscribe = await bus.subscribe(AUTH_EVENTS_CHANNEL, () => {
    notifier.wakeAll();
  });
  const maintenance = new Maintenance(data, ring, clock, config.EVENT_RETENTION_DAYS);
  const tasks = [
    new PeriodicTask('maintenance', config.MAINTENANCE_INTERVAL_S * 1000, () => maintenance.run(), app.log),
    new PeriodicTask('signing-key reload', config.SIGNING_KEY_RELOAD_S * 1000, () => ring.load(), app.log),
  ];
  for (const task of tasks) task.start();

  // Long polls end first, so closing does not wait for them.
  app.addHook('preClose', async () => {
    shutdown.abort();
    notifier.close();
  });
  app.addHook('onClose', async () => {
    // A maintenance pass under way finishes before the database closes under it.
    await Promise.all(tasks.map((task) => task.stop()));
    await unsubscribe();
    await resources.close();
  });
  return app;
}
