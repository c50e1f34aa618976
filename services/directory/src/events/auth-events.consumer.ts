import { AuthEventsFollower } from '@sanctum/kernel';
import type { RevocationList } from '@sanctum/kernel';
import type { FastifyBaseLogger } from 'fastify';
import type { DirectoryConfig } from '../config.js';
import type { AuthEventsStore } from '../store/auth-events.store.js';

/**
 * The kernel's follower wired to the Directory's store: device replica,
 * key deletion on device removal, full erasure on account deletion, and the
 * token revocations that come with them.
 */
export function createAuthEventsFollower(
  config: Readonly<DirectoryConfig>,
  store: AuthEventsStore,
  revocations: RevocationList,
  logger: FastifyBaseLogger,
  /** Told about each deleted account once its handle is gone from the database. */
  onAccountDeleted: (accountId: string) => void = () => undefined,
): AuthEventsFollower {
  return new AuthEventsFollower({
    authUrl: config.AUTH_URL,
    internalToken: config.SANCTUM_INTERNAL_TOKEN,
    loadCursor: () => store.loadCursor(),
    applyBatch: async (events, cursor) => {
      const skipped = await store.applyBatch(events, cursor);
      for (const event of skipped) logger.warn(event, 'auth event skipped');
      for (const event of events) if (event.type === 'account.deleted') onAccountDeleted(event.accountId);
    },
    revocations,
    waitMs: config.AUTH_EVENTS_WAIT_MS,
    batchSize: config.AUTH_EVENTS_BATCH_SIZE,
    retryDelayMs: config.AUTH_EVENTS_RETRY_MS,
    logger,
  });
}
