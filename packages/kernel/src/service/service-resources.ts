import { Redis } from 'ioredis';
import type { Migration } from 'kysely';
import { createBus } from '../bus/create-bus.js';
import type { NotificationBus } from '../bus/notification-bus.js';
import type { ServiceConfig } from '../config/base.config.js';
import { openDatabase } from '../db/database.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import type { ReadyCheck } from '../http/health.routes.js';

/** What a service holds besides its routes: database, bus, Redis (when configured). */
export interface ServiceResources<DB> {
  readonly database: Database<DB>;
  readonly bus: NotificationBus;
  /** For shared rate-limit counters; undefined on the embedded default. */
  readonly redis: Redis | undefined;
  /** Checks for /readyz. */
  readonly readyChecks: Record<string, ReadyCheck>;
  /** Closes what it opened itself: the bus, Redis and the database, in that order. */
  close(): Promise<void>;
}

export interface ServiceResourceOptions<DB> {
  config: ServiceConfig;
  /** Service name, also the SQLite file name. */
  name: string;
  migrations: Record<string, Migration>;
  /** An already-open database (tests hand in a fresh SQLite file or PostgreSQL schema); the caller closes it. */
  database?: Database<DB> | undefined;
  /** An already-made bus (tests share one between two instances); the caller closes it. */
  bus?: NotificationBus | undefined;
}

/**
 * Opens what every service needs from its configuration and runs the
 * migrations forward, so `buildApp` of each service starts the same way.
 *
 * @example
 * const resources = await openServiceResources({ config, name: 'auth', migrations });
 * const app = await createServer({ ..., readyChecks: resources.readyChecks, redis: resources.redis });
 * app.addHook('onClose', () => resources.close());
 */
export async function openServiceResources<DB>(options: ServiceResourceOptions<DB>): Promise<ServiceResources<DB>> {
  const { config } = options;
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ?? openDatabase<DB>({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, name: options.name });
  await migrateToLatest(database.db as never, options.migrations);
  const ownsBus = options.bus === undefined;
  const bus = options.bus ?? (await createBus({ redisUrl: config.REDIS_URL, natsUrl: config.NATS_URL }));
  const redis = config.REDIS_URL === undefined ? undefined : new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  redis?.on('error', () => undefined); // Reported through /readyz; ioredis reconnects by itself.

  const readyChecks: Record<string, ReadyCheck> = { database: () => database.ping() };
  if (config.REDIS_URL !== undefined || config.NATS_URL !== undefined) readyChecks.bus = () => bus.ping();
  return {
    database,
    bus,
    redis,
    readyChecks,
    close: async () => {
      if (ownsBus) await bus.close();
      await redis?.quit().catch(() => undefined);
      if (ownsDatabase) await database.close();
    },
  };
}
