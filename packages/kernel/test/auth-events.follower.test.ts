import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_INTERNAL_ROUTES, AuthEventsFollower, RevocationList } from '@sanctum/kernel';
import type { AuthEvent } from '@sanctum/kernel';

const internalToken = 'i'.repeat(32);

/** A stand-in for Auth's feed that speaks the contract: events after a cursor, long polls, a revocation snapshot. */
async function startFeed(events: AuthEvent[], options: { failFirst?: number } = {}) {
  const requests: URLSearchParams[] = [];
  let failures = options.failFirst ?? 0;
  const waiting = new Set<() => void>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (request.headers['x-internal-token'] !== internalToken) {
      response.writeHead(403).end();
      return;
    }
    if (failures > 0) {
      failures -= 1;
      response.writeHead(500).end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    if (url.pathname === AUTH_INTERNAL_ROUTES.revocations) {
      response.end(JSON.stringify({ revocations: [{ kind: 'session', id: 'old-session', revokedAt: Date.now() - 1000 }] }));
      return;
    }
    requests.push(url.searchParams);
    const after = Number(url.searchParams.get('after'));
    const limit = Number(url.searchParams.get('limit'));
    const answer = () => {
      const batch = events.filter((e) => e.seq > after).slice(0, limit);
      response.end(JSON.stringify({ events: batch, cursor: batch.at(-1)?.seq ?? after }));
    };
    if (events.some((e) => e.seq > after) || Number(url.searchParams.get('waitMs')) === 0) answer();
    else waiting.add(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    push(event: AuthEvent) {
      events.push(event);
      for (const wake of waiting) wake();
      waiting.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of waiting) wake();
        server.closeAllConnections();
        server.close(() => { resolve(); });
      }),
  };
}

const event = (seq: number, type: AuthEvent['type'], extra: Partial<AuthEvent> = {}): AuthEvent => ({
  seq,
  type,
  accountId: `acc-${seq}`,
  occurredAt: Date.now(),
  ...extra,
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AuthEventsFollower', () => {
  it('applies the feed in order from the stored cursor, in batches, then long-polls for more', async () => {
    const feed = await startFeed([
      event(1, 'account.created'),
      event(2, 'device.added', { deviceId: 'd1', identityKey: 'k' }),
      event(3, 'session.revoked', { sessionId: 's1' }),
      event(4, 'device.removed', { deviceId: 'd2' }),
      event(5, 'account.deleted', { accountId: 'gone' }),
    ]);
    cleanups.push(feed.close);
    const applied: { seqs: number[]; cursor: number }[] = [];
    const revocations = new RevocationList(3600);
    const follower = new AuthEventsFollower({
      authUrl: feed.url,
      internalToken,
      loadCursor: async () => 1,
      applyBatch: async (events, cursor) => {
        applied.push({ seqs: events.map((e) => e.seq), cursor });
      },
      revocations,
      batchSize: 2,
      waitMs: 5000,
    });
    const caughtUp = follower.waitUntilCaughtUp();
    follower.start();
    cleanups.push(() => follower.stop());
    await caughtUp;
    expect(applied).toEqual([
      { seqs: [2, 3], cursor: 3 },
      { seqs: [4, 5], cursor: 5 },
    ]);
    expect(revocations.isRevoked({ accountId: 'x', deviceId: 'x', sessionId: 's1' })).toBe(true);
    expect(revocations.isRevoked({ accountId: 'x', deviceId: 'd2', sessionId: 'x' })).toBe(true);
    expect(revocations.isRevoked({ accountId: 'gone', deviceId: 'x', sessionId: 'x' })).toBe(true);
    expect(revocations.isRevoked({ accountId: 'x', deviceId: 'x', sessionId: 'old-session' })).toBe(true);
    expect(follower.caughtUp).toBe(true);

    // Caught up: the next request is a long poll, answered as soon as an event arrives.
    await until(() => feed.requests.some((q) => q.get('waitMs') === '5000'));
    feed.push(event(6, 'device.added', { deviceId: 'd3', identityKey: 'k3' }));
    await until(() => applied.length === 3);
    expect(applied[2]).toEqual({ seqs: [6], cursor: 6 });
  });

  it('retries after the feed fails and keeps its place', async () => {
    const feed = await startFeed([event(1, 'account.created')], { failFirst: 2 });
    cleanups.push(feed.close);
    const applied: number[] = [];
    const follower = new AuthEventsFollower({
      authUrl: feed.url,
      internalToken,
      loadCursor: async () => 0,
      applyBatch: async (events) => {
        applied.push(...events.map((e) => e.seq));
      },
      revocations: new RevocationList(3600),
      retryDelayMs: 20,
      logger: { warn: () => undefined, info: () => undefined },
    });
    follower.start();
    cleanups.push(() => follower.stop());
    await until(() => applied.length === 1);
    expect(applied).toEqual([1]);
    expect(follower.lastError).toBeUndefined();
  });

  it('stops promptly while a long poll is pending or while waiting to retry', async () => {
    const feed = await startFeed([]);
    cleanups.push(feed.close);
    const follower = new AuthEventsFollower({ authUrl: feed.url, internalToken, loadCursor: async () => 0, applyBatch: async () => undefined, waitMs: 30_000 });
    follower.start();
    follower.start(); // idempotent
    await until(() => feed.requests.some((q) => q.get('waitMs') === '30000'));
    const began = Date.now();
    await follower.stop();
    expect(Date.now() - began).toBeLessThan(5000);

    const unreachable = new AuthEventsFollower({ authUrl: 'http://127.0.0.1:1', internalToken, loadCursor: async () => 0, applyBatch: async () => undefined, retryDelayMs: 60_000 });
    unreachable.start();
    await until(() => unreachable.lastError !== undefined);
    const stopBegan = Date.now();
    await unreachable.stop();
    expect(Date.now() - stopBegan).toBeLessThan(5000);
  });
});
