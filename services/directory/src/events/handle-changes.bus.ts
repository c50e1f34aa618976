import type { NotificationBus } from '@sanctum/kernel';
import type { FastifyBaseLogger } from 'fastify';
import type { HandleCache } from '../domain/handle.cache.js';

/** Where Directory instances tell each other that an account's handle changed. */
export const HANDLE_CHANGES_CHANNEL = 'directory:handle-changes';

interface HandleChangeMessage {
  accountId: string;
}

function isHandleChange(message: unknown): message is HandleChangeMessage {
  return typeof message === 'object' && message !== null && typeof (message as { accountId?: unknown }).accountId === 'string';
}

/**
 * Keeps this instance's handle cache in step with changes made anywhere:
 * `changed` forgets the account's handle here at once and tells the other
 * instances over the bus. A lost message leaves an entry stale until it
 * expires (the cache's TTL), never longer.
 */
export class HandleChanges {
  private constructor(
    private readonly bus: NotificationBus,
    readonly cache: HandleCache,
    private readonly logger: Pick<FastifyBaseLogger, 'warn'>,
    private readonly unsubscribe: () => Promise<void>,
  ) {}

  static async follow(bus: NotificationBus, cache: HandleCache, logger: Pick<FastifyBaseLogger, 'warn'>): Promise<HandleChanges> {
    let unsubscribe = async (): Promise<void> => undefined;
    try {
      unsubscribe = await bus.subscribe(HANDLE_CHANGES_CHANNEL, (message) => {
        if (isHandleChange(message)) cache.forgetAccount(message.accountId);
      });
    } catch (error) {
      // Start anyway (the bus was optional for the Directory before the cache), but without the
      // subscription other instances' changes would not reach this cache: lookups go to the database.
      cache.disable();
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'handle changes unsubscribable; handle lookup cache off');
    }
    return new HandleChanges(bus, cache, logger, unsubscribe);
  }

  /** Call after the change has committed. */
  changed(accountId: string): void {
    this.cache.forgetAccount(accountId);
    const message: HandleChangeMessage = { accountId };
    this.bus.publish(HANDLE_CHANGES_CHANNEL, message).catch((error: unknown) => {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error), accountId }, 'handle change not announced; other instances catch up when their cache entry expires');
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe();
  }
}
