import { randomUUID } from 'node:crypto';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthData } from '../../src/store/auth-data.js';
import type { AuthTables } from '../../src/store/tables.js';
import { openAuthData, seedAccount } from '../support/store-fixtures.js';

describe.each(testEngines())('challenge and session stores on $name', (engine) => {
  let database: Database<AuthTables>;
  let data: AuthData;
  beforeEach(async () => {
    ({ database, data } = await openAuthData(engine));
  });
  afterEach(() => database.close());

  it('lets exactly one of many concurrent requests spend a nonce', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => data.transaction((tx) => tx.challenges.spend('n1', 100))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await data.stores.challenges.spend('n1', 100)).toBe(false);
    expect(await data.stores.challenges.spend('n2', 100)).toBe(true);
  });

  it('forgets spent nonces once they have expired', async () => {
    await data.stores.challenges.spend('old', 100);
    await data.stores.challenges.spend('new', 300);
    expect(await data.stores.challenges.pruneExpired(200)).toBe(1);
    expect(await data.stores.challenges.spend('new', 300)).toBe(false);
    expect(await data.stores.challenges.spend('old', 100)).toBe(true);
  });

  it('spends a refresh token once, even when requests race', async () => {
    const a = await seedAccount(data);
    const sessionId = randomUUID();
    await data.stores.sessions.insert({ id: sessionId, accountId: a.accountId, deviceId: a.deviceId, createdAt: 1, expiresAt: 1000 });
    await data.stores.sessions.insertRefreshToken('h1', sessionId, 1);
    const spent = await Promise.all(Array.from({ length: 8 }, () => data.transaction((tx) => tx.sessions.spendRefreshToken('h1', 5))));
    expect(spent.filter((s) => s === sessionId)).toHaveLength(1);
    expect(await data.stores.sessions.sessionOfSpentToken('h1')).toBe(sessionId);
    expect(await data.stores.sessions.sessionOfSpentToken('unknown')).toBeUndefined();
    expect(await data.stores.sessions.spendRefreshToken('unknown', 5)).toBeUndefined();
  });

  it('lists active sessions newest first and revokes once', async () => {
    const a = await seedAccount(data);
    const older = randomUUID();
    const newer = randomUUID();
    const expired = randomUUID();
    await data.stores.sessions.insert({ id: older, accountId: a.accountId, deviceId: a.deviceId, createdAt: 1, expiresAt: 1000 });
    await data.stores.sessions.insert({ id: newer, accountId: a.accountId, deviceId: a.deviceId, createdAt: 2, expiresAt: 1000 });
    await data.stores.sessions.insert({ id: expired, accountId: a.accountId, deviceId: a.deviceId, createdAt: 3, expiresAt: 10 });
    expect((await data.stores.sessions.listActive(a.accountId, 50)).map((s) => s.id)).toEqual([newer, older]);
    expect(await data.stores.sessions.revoke(older, 60, 'logout')).toBe(true);
    expect(await data.stores.sessions.revoke(older, 61, 'revoked')).toBe(false);
    expect(await data.stores.sessions.find(older)).toMatchObject({ revokedAt: 60, revokeReason: 'logout' });
    expect((await data.stores.sessions.listActive(a.accountId, 50)).map((s) => s.id)).toEqual([newer]);
    await data.stores.sessions.extend(newer, 70, 5000);
    expect(await data.stores.sessions.find(newer)).toMatchObject({ lastRefreshedAt: 70, expiresAt: 5000 });
  });

  it('prunes expired sessions and revoked ones past retention, with their refresh tokens', async () => {
    const a = await seedAccount(data);
    const [live, expired, revokedLongAgo, revokedRecently] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const [id, expiresAt] of [[live, 1000], [expired, 10], [revokedLongAgo, 1000], [revokedRecently, 1000]] as const) {
      await data.stores.sessions.insert({ id, accountId: a.accountId, deviceId: a.deviceId, createdAt: 1, expiresAt });
    }
    await data.stores.sessions.insertRefreshToken('t-expired', expired, 1);
    await data.stores.sessions.revoke(revokedLongAgo, 20, 'logout');
    await data.stores.sessions.revoke(revokedRecently, 90, 'logout');
    expect(await data.stores.sessions.pruneEnded(100, 50)).toBe(2);
    expect(await data.stores.sessions.find(live)).toBeDefined();
    expect(await data.stores.sessions.find(revokedRecently)).toBeDefined();
    expect(await data.stores.sessions.find(expired)).toBeUndefined();
    expect(await data.stores.sessions.sessionOfSpentToken('t-expired')).toBeUndefined();
  });
});
