import type { Session } from '@sanctum/client';

export interface TokenRefresherOptions {
  /** Refresh this long before the access token expires (default 2 min of the 10 min lifetime). */
  readonly marginMs?: number;
  /** Refresh on this fixed period instead (tests use it to see several refreshes in seconds). */
  readonly everyMs?: number;
  /** Wait before retrying a failed refresh (default 2 s); the old token stays valid meanwhile. */
  readonly retryMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps the load generator's sessions signed in for a run longer than an
 * access token lives (the 15 min soak against 10 min tokens). Each session is
 * refreshed on a timer well before its token expires, so the send path only
 * ever reads `session.tokens.accessToken` synchronously and never waits for
 * Auth in the middle of the schedule.
 */
export class TokenRefresher {
  private readonly timers = new Map<Session, ReturnType<typeof setTimeout>>();
  private stopped = false;
  private count = 0;
  private failed = 0;

  constructor(private readonly options: TokenRefresherOptions = {}) {}

  /** Refreshes so far (all sessions). */
  get refreshes(): number {
    return this.count;
  }

  get failures(): number {
    return this.failed;
  }

  track(session: Session): void {
    this.schedule(session, this.nextDelay(session));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private nextDelay(session: Session): number {
    if (this.options.everyMs !== undefined) return this.options.everyMs;
    return Math.max(1000, session.tokens.accessTokenExpiresAt - (this.options.marginMs ?? 120_000) - Date.now());
  }

  private schedule(session: Session, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      void this.refresh(session);
    }, delayMs);
    // A forgotten refresher must not keep the CLI alive after the run.
    timer.unref();
    this.timers.set(session, timer);
  }

  private async refresh(session: Session): Promise<void> {
    try {
      await session.refresh();
      this.count += 1;
      this.schedule(session, this.nextDelay(session));
    } catch (error) {
      this.failed += 1;
      this.options.onError?.(error);
      this.schedule(session, this.options.retryMs ?? 2000);
    }
  }
}
