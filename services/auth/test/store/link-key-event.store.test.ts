import { randomUUID } from 'node:crypto';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthData } from '../../src/store/auth-data.js';
import { isUniqueViolation } from '../../src/store/db-errors.js';
import type { AuthTables } from '../../src/store/tables.js';
import { fakeIdentityKey, openAuthData, seedAccount } from '../support/store-fixtures.js';

describe.each(testEngines())('link, signing-key and event stores on $name', (engine) => {
  let database: Database<AuthTables>;
  let data: AuthData;
  beforeEach(async () => {
    ({ database, data } = await openAuthData(engine));
  });
  afterEach(() => database.close());

  it('approves a live link once and consumes it once', async () => {
    const a = await seedAccount(data);
    const id = randomUUID();
    await data.stores.links.insert({ id, codeHash: 'c1', identityKey: fakeIdentityKey(), deviceName: 'tablet', nonce: 'n', createdAt: 1, expiresAt: 100 });
    expect(await data.stores.links.findLive('c1', 200)).toBeUndefined();
    expect(await data.stores.links.consumeApproved(id)).toBe(false);
    const approval = { accountId: a.accountId, approvedBy: a.deviceId, signature: 'sig', nowMs: 50 };
    const approvals = await Promise.all([data.stores.links.approve(id, approval), data.stores.links.approve(id, approval)]);
    expect(approvals.filter(Boolean)).toHaveLength(1);
    expect(await data.stores.links.findLive('c1', 60)).toMatchObject({ accountId: a.accountId, approvedBy: a.deviceId, approvedAt: 50 });
    const consumed = await Promise.all([data.stores.links.consumeApproved(id), data.stores.links.consumeApproved(id)]);
    expect(consumed.filter(Boolean)).toHaveLength(1);
  });

  it('does not approve an expired link and prunes it', async () => {
    const a = await seedAccount(data);
    const id = randomUUID();
    await data.stores.links.insert({ id, codeHash: 'c2', identityKey: fakeIdentityKey(), deviceName: 'x', nonce: 'n', createdAt: 1, expiresAt: 100 });
    expect(await data.stores.links.approve(id, { accountId: a.accountId, approvedBy: a.deviceId, signature: 's', nowMs: 150 })).toBe(false);
    expect(await data.stores.links.pruneExpired(150)).toBe(1);
  });

  it('keeps one signing key per generation', async () => {
    const key = { kid: 'k1', generation: 1, createdAt: 1, activatesAt: 1, publicJwk: '{}', privateKey: 'sealed' };
    await data.stores.signingKeys.insert(key);
    const error = await data.stores.signingKeys.insert({ ...key, kid: 'k2' }).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    await data.stores.signingKeys.insert({ ...key, kid: 'k3', generation: 2 });
    expect((await data.stores.signingKeys.list()).map((k) => k.kid)).toEqual(['k1', 'k3']);
    expect(await data.stores.signingKeys.delete([])).toBe(0);
    expect(await data.stores.signingKeys.delete(['k1'])).toBe(1);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
    expect(isUniqueViolation('text')).toBe(false);
  });

  it('numbers events without gaps, in commit order, even when transactions overlap', async () => {
    const accountId = randomUUID();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        data.transaction(async (tx) => {
          await tx.events.append({ type: 'session.revoked', accountId, sessionId: `s${i}`, occurredAt: 1000 + i });
        }),
      ),
    );
    const events = await data.stores.events.after(0, 100);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await data.stores.events.after(8, 100)).toHaveLength(2);
    expect(await data.stores.events.after(0, 3)).toHaveLength(3);
  });

  it('serves events with only the fields each type carries, and the revocations among them', async () => {
    const accountId = randomUUID();
    await data.transaction(async (tx) => {
      await tx.events.append({ type: 'account.created', accountId, occurredAt: 10 });
      await tx.events.append({ type: 'device.added', accountId, deviceId: 'd1', identityKey: 'key', occurredAt: 20 });
      await tx.events.append({ type: 'device.removed', accountId, deviceId: 'd1', occurredAt: 30 });
      await tx.events.append({ type: 'session.revoked', accountId, sessionId: 's1', occurredAt: 40 });
      await tx.events.append({ type: 'account.deleted', accountId, occurredAt: 50 });
    });
    expect(await data.stores.events.after(0, 10)).toEqual([
      { seq: 1, type: 'account.created', accountId, occurredAt: 10 },
      { seq: 2, type: 'device.added', accountId, deviceId: 'd1', identityKey: 'key', occurredAt: 20 },
      { seq: 3, type: 'device.removed', accountId, deviceId: 'd1', occurredAt: 30 },
      { seq: 4, type: 'session.revoked', accountId, sessionId: 's1', occurredAt: 40 },
      { seq: 5, type: 'account.deleted', accountId, occurredAt: 50 },
    ]);
    expect(await data.stores.events.revocationsSince(35)).toEqual([
      { kind: 'session', id: 's1', revokedAt: 40 },
      { kind: 'account', id: accountId, revokedAt: 50 },
    ]);
    expect((await data.stores.events.revocationsSince(0)).map((r) => r.kind)).toEqual(['device', 'session', 'account']);
    expect(await data.stores.events.pruneBefore(25)).toBe(2);
    expect((await data.stores.events.after(0, 10)).map((e) => e.seq)).toEqual([3, 4, 5]);
  });
});
