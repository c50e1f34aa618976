import type { FastifyBaseLogger } from 'fastify';
import type { RevocationList } from '../auth/revocation.list.js';
import { AUTH_INTERNAL_ROUTES } from './auth-events.contract.js';
import type { AuthEvent, AuthEventFeed, RevocationSnapshot } from './auth-events.contract.js';

export interface AuthEventsFollowerOptions {
  authUrl: string;
  internalToken: string;
  /** The position this consumer has applied up to (0 at first start). */
  loadCursor(): Promise<number>;
  /**
   * Applies a batch and stores `cursor` with it, in one transaction, so a crash
   * replays at most this batch (handlers must therefore be idempotent).
   */
  applyBatch(events: readonly AuthEvent[], cursor: number): Promise<void>;
  /** Filled from Auth's snapshot at start and from every revoking event. */
  revocations?: RevocationList;
  /** Long-poll wait per request. */
  waitMs?: number;
  batchSize?: number;
  /** Pause after a failed request before trying again. */
  retryDelayMs?: number;
  logger?: Pick<FastifyBaseLogger, 'warn' | 'info'>;
}

/**
 * Follows Auth's event feed in the background and hands each batch to the
 * consumer, in order, at least once.
 *
 * @example
 * const follower = new AuthEventsFollower({ authUrl, internalToken, loadCursor, applyBatch, revocations });
 * follower.start();
 * // …on shutdown
 * await follower.stop();
 */
export class AuthEventsFollower {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private cursor = 0;
  private caughtUpWaiters: (() => void)[] = [];
  /** True after the last request returned a partial batch (nothing more was waiting). */
  caughtUp = false;
  lastError: string | undefined;

  constructor(private readonly options: AuthEventsFollowerOptions) {}

  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** Resolves the next time the follower has applied everything Auth had (tests, start-up ordering). */
  async waitUntilCaughtUp(): Promise<void> {
    await new Promise<void>((resolve) => this.caughtUpWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let snapshotLoaded = this.options.revocations === undefined;
    this.cursor = await this.options.loadCursor();
    while (!this.isStopped()) {
      try {
        if (!snapshotLoaded) {
          await this.loadSnapshot(signal);
          snapshotLoaded = true;
        }
        await this.pollOnce(signal);
        this.lastError = undefined;
      } catch (error) {
        if (this.isStopped()) break;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.options.logger?.warn({ err: this.lastError }, 'auth event feed unavailable; retrying');
        await sleep(this.options.retryDelayMs ?? 1000, signal);
      }
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<void> {
    const limit = this.options.batchSize ?? 500;
    // Do not hold the connection open while catching up: only wait when nothing was pending.
    const waitMs = this.caughtUp ? (this.options.waitMs ?? 20_000) : 0;
    const query = `after=${this.cursor}&limit=${limit}&waitMs=${waitMs}`;
    const feed = (await this.get(`${AUTH_INTERNAL_ROUTES.events}?${query}`, signal)) as AuthEventFeed;
    if (feed.events.length > 0) {
      await this.options.applyBatch(feed.events, feed.cursor);
      for (const event of feed.events) this.recordRevocation(event);
      this.cursor = feed.cursor;
    }
    this.caughtUp = feed.events.length < limit;
    if (this.caughtUp) {
      const waiters = this.caughtUpWaiters;
      this.caughtUpWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private recordRevocation(event: AuthEvent): void {
    const revocations = this.options.revocations;
    if (revocations === undefined) return;
    const atS = Math.floor(event.occurredAt / 1000);
    if (event.type === 'session.revoked' && event.sessionId !== undefined) revocations.revoke('session', event.sessionId, atS);
    if (event.type === 'device.removed' && event.deviceId !== undefined) revocations.revoke('device', event.deviceId, atS);
    if (event.type === 'account.deleted') revocations.revoke('account', event.accountId, atS);
  }

  private async loadSnapshot(signal: AbortSignal): Promise<void> {
    const snapshot = (await this.get(AUTH_INTERNAL_ROUTES.revocations, signal)) as RevocationSnapshot;
    for (const entry of snapshot.revocations) {
      this.options.revocations?.revoke(entry.kind, entry.id, Math.floor(entry.revokedAt / 1000));
    }
  }

  private async get(path: string, signal: AbortSignal): Promise<unknown> {
    const response = await fetch(new URL(path, this.options.authUrl), {
      headers: { 'x-internal-token': this.options.internalToken },
      signal,
    });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return response.json();
  }
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
