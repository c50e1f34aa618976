import type { AuthEventFeed, RevocationSnapshot } from '@sanctum/kernel';
import type { AuthData } from '../store/auth-data.js';
import type { Clock } from './clock.js';
import type { EventNotifier } from './event-notifier.js';
import { MAX_ACCESS_TOKEN_TTL_S } from './token-limits.js';

/** Margin on the revocation window for clocks that disagree a little. */
const REVOCATION_MARGIN_MS = 60_000;

/** The producer side of the Auth events contract (packages/kernel/src/events/auth-events.contract.ts). */
export class EventFeed {
  constructor(
    private readonly data: AuthData,
    private readonly notifier: EventNotifier,
    private readonly clock: Clock,
  ) {}

  /**
   * Events after `after`, in order. With nothing to return and `waitMs` > 0,
   * holds the answer until an event commits, the wait ends or `signal` aborts
   * (the caller went away, or the server is closing).
   */
  async read(query: { after: number; limit: number; waitMs: number }, signal?: AbortSignal): Promise<AuthEventFeed> {
    const waiter = query.waitMs > 0 ? this.notifier.waiter() : undefined;
    try {
      let events = await this.data.stores.events.after(query.after, query.limit);
      if (events.length === 0 && waiter !== undefined) {
        await waiter.wait(query.waitMs, signal);
        events = await this.data.stores.events.after(query.after, query.limit);
      }
      return { events, cursor: events.at(-1)?.seq ?? query.after };
    } finally {
      waiter?.cancel();
    }
  }

  /** Revocations that unexpired access tokens may still carry. */
  async revocations(): Promise<RevocationSnapshot> {
    const since = this.clock.nowMs() - MAX_ACCESS_TOKEN_TTL_S * 1000 - REVOCATION_MARGIN_MS;
    return { revocations: await this.data.stores.events.revocationsSince(since) };
  }
}
