import { InProcessBus } from '@sanctum/kernel';
import type { NotificationBus, SanctumApp } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadDirectoryConfig } from '../src/config.js';
import { HandleCache } from '../src/domain/handle.cache.js';
import { INTERNAL_TOKEN, eventually, startDirectory } from './helpers/directory-harness.js';
import type { DirectoryHarness } from './helpers/directory-harness.js';

describe('HandleCache', () => {
  it('answers until the TTL, then asks again', () => {
    let now = 1000;
    const cache = new HandleCache({ ttlMs: 50, maxEntries: 10 }, () => now);
    cache.remember('alice', 'a1', cache.begin());
    expect(cache.get('alice')).toBe('a1');
    now += 50;
    expect(cache.get('alice')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store what a read found if a change was announced while it ran', () => {
    const cache = new HandleCache({ ttlMs: 1000, maxEntries: 10 }, () => 0);
    const generation = cache.begin();
    cache.forgetAccount('a1');
    cache.remember('alice', 'a1', generation);
    expect(cache.get('alice')).toBeUndefined();
  });

  it('forgets an account’s handle by account, keeps one handle per account, and stays bounded', () => {
    const cache = new HandleCache({ ttlMs: 1000, maxEntries: 2 }, () => 0);
    cache.remember('alice', 'a1', cache.begin());
    cache.remember('alice2', 'a1', cache.begin());
    expect([cache.get('alice'), cache.get('alice2')]).toEqual([undefined, 'a1']);
    cache.remember('alice2', 'b1', cache.begin());
    cache.forgetAccount('a1');
    expect(cache.get('alice2')).toBe('b1');
    cache.remember('carol', 'c1', cache.begin());
    cache.remember('dave', 'd1', cache.begin());
    expect(cache.size).toBe(2);
    expect(cache.get('alice2')).toBeUndefined();
    cache.forgetAccount('d1');
    expect([cache.get('carol'), cache.get('dave')]).toEqual(['c1', undefined]);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('is off with a TTL of 0', () => {
    const cache = new HandleCache({ ttlMs: 0, maxEntries: 10 }, () => 0);
    cache.remember('alice', 'a1', cache.begin());
    expect(cache.get('alice')).toBeUndefined();
  });
});

/** A bus that loses every message, as Redis pub/sub may during a reconnect. */
class LossyBus extends InProcessBus {
  override async publish(): Promise<void> {
    // Dropped.
  }
}

describe.each(testEngines())('handle lookups with two instances on $name', (engine) => {
  let h: DirectoryHarness;
  let other: SanctumApp | undefined;
  let clock = Date.now();
  const bus = new InProcessBus();

  beforeEach(async () => {
    h = await startDirectory(engine, {}, bus);
  });
  afterEach(async () => {
    await other?.close();
    other = undefined;
    await h.close();
  });

  /** A second Directory instance on the same database, with its own cache and clock. */
  async function secondInstance(withBus: NotificationBus): Promise<SanctumApp> {
    const config = loadDirectoryConfig({ SANCTUM_INTERNAL_TOKEN: INTERNAL_TOKEN, LOG_LEVEL: 'silent', AUTH_URL: h.feed.url });
    other = await buildApp({ config, logger: false, database: h.database, keySet: h.issuer.keySet, bus: withBus, followAuthEvents: false, now: () => clock });
    return other;
  }

  async function lookup(app: SanctumApp, handle: string, token: string): Promise<string> {
    const response = await app.inject({ method: 'GET', url: `/v1/handles/${handle}`, headers: { authorization: `Bearer ${token}` } });
    return response.statusCode === 200 ? response.json<{ accountId: string }>().accountId : response.json<{ error: { code: string } }>().error.code;
  }

  it('sees a change, a release and a new claim made on the other instance at once', async () => {
    const reader = await secondInstance(bus);
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' });
    expect(await lookup(reader, 'alice', bob.token)).toBe(alice.accountId);
    expect(await lookup(reader, 'alice', bob.token)).toBe(alice.accountId);

    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice_two' });
    expect(await lookup(reader, 'alice', bob.token)).toBe('DIR_HANDLE_NOT_FOUND');
    expect(await lookup(reader, 'alice_two', bob.token)).toBe(alice.accountId);

    await h.call('DELETE', '/v1/handle', alice.token);
    expect(await lookup(reader, 'alice_two', bob.token)).toBe('DIR_HANDLE_NOT_FOUND');
    await h.call('PUT', '/v1/handle', bob.token, { handle: 'alice_two' });
    expect(await lookup(reader, 'alice_two', alice.token)).toBe(bob.accountId);
  });

  it('when the announcement is lost, answers from memory no longer than the cache TTL', async () => {
    const reader = await secondInstance(new LossyBus());
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' });
    expect(await lookup(reader, 'alice', bob.token)).toBe(alice.accountId);
    await h.call('DELETE', '/v1/handle', alice.token);
    // The writer's own instance knows at once; the reader that missed the message, only after the TTL.
    expect((await h.call('GET', '/v1/handles/alice', bob.token)).statusCode).toBe(404);
    expect(await lookup(reader, 'alice', bob.token)).toBe(alice.accountId);
    clock += loadDirectoryConfig({ SANCTUM_INTERNAL_TOKEN: INTERNAL_TOKEN }).HANDLE_CACHE_TTL_MS;
    expect(await lookup(reader, 'alice', bob.token)).toBe('DIR_HANDLE_NOT_FOUND');
  });

  it('starts without a cache when the bus cannot subscribe, and then always asks the database', async () => {
    class Unsubscribable extends InProcessBus {
      override async subscribe(): Promise<() => Promise<void>> {
        throw new Error('bus down');
      }
    }
    const reader = await secondInstance(new Unsubscribable());
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' });
    expect(await lookup(reader, 'alice', bob.token)).toBe(alice.accountId);
    await h.call('DELETE', '/v1/handle', alice.token);
    expect(await lookup(reader, 'alice', bob.token)).toBe('DIR_HANDLE_NOT_FOUND');
  });

  it('forgets the handle of an account Auth deleted', async () => {
    const reader = await secondInstance(bus);
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' });
    expect(await lookup(reader, 'alice', bob.token)).toBe(alice.accountId);
    expect(await lookup(h.app, 'alice', bob.token)).toBe(alice.accountId);
    h.feed.deleteAccount(alice.accountId);
    await eventually(async () => (await h.call('GET', `/v1/accounts/${alice.accountId}/devices`, bob.token)).statusCode === 404, 'the deletion');
    expect(await lookup(h.app, 'alice', bob.token)).toBe('DIR_HANDLE_NOT_FOUND');
    expect(await lookup(reader, 'alice', bob.token)).toBe('DIR_HANDLE_NOT_FOUND');
  });
});
