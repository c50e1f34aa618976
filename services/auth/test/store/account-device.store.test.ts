import { randomUUID } from 'node:crypto';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthData } from '../../src/store/auth-data.js';
import { isUniqueViolation } from '../../src/store/db-errors.js';
import type { AuthTables } from '../../src/store/tables.js';
import { fakeIdentityKey, openAuthData, seedAccount } from '../support/store-fixtures.js';

describe.each(testEngines())('account and device stores on $name', (engine) => {
  let database: Database<AuthTables>;
  let data: AuthData;
  beforeEach(async () => {
    ({ database, data } = await openAuthData(engine));
  });
  afterEach(() => database.close());

  it('stores an account with its recovery hash and finds it again', async () => {
    const { accountId } = await seedAccount(data, 5);
    await data.stores.accounts.setRecoveryHash(accountId, 'scrypt$x');
    expect(await data.stores.accounts.find(accountId)).toEqual({ id: accountId, createdAt: 5, recoveryHash: 'scrypt$x' });
    expect(await data.stores.accounts.find(randomUUID())).toBeUndefined();
  });

  it('lists, counts, renames and touches devices of one account only', async () => {
    const a = await seedAccount(data, 10);
    const b = await seedAccount(data, 20);
    const second = { ...(await data.stores.devices.find(a.deviceId))!, id: randomUUID(), identityKey: fakeIdentityKey(), createdAt: 30 };
    await data.stores.devices.insert(second);
    expect((await data.stores.devices.listByAccount(a.accountId)).map((d) => d.id)).toEqual([a.deviceId, second.id]);
    expect(await data.stores.devices.countByAccount(a.accountId)).toBe(2);
    expect(await data.stores.devices.countByAccount(b.accountId)).toBe(1);
    expect((await data.stores.devices.rename(a.accountId, second.id, 'phone'))?.name).toBe('phone');
    expect(await data.stores.devices.rename(b.accountId, second.id, 'stolen')).toBeUndefined();
    const sessionId = randomUUID();
    await data.stores.sessions.insert({ id: sessionId, accountId: a.accountId, deviceId: second.id, createdAt: 40, expiresAt: 1000 });
    await data.stores.sessions.extend(sessionId, 99, 1000);
    const listed = await data.stores.devices.listByAccount(a.accountId);
    expect(listed.map((d) => d.lastSeenAt)).toEqual([10, 99]);
    expect(await data.stores.devices.identityKeyInUse(second.identityKey)).toBe(true);
    expect(await data.stores.devices.identityKeyInUse(fakeIdentityKey())).toBe(false);
  });

  it('refuses a second device with the same identity key', async () => {
    const a = await seedAccount(data);
    const device = (await data.stores.devices.find(a.deviceId))!;
    const error = await data.stores.devices.insert({ ...device, id: randomUUID() }).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('deleting a device deletes its sessions; deleting the account deletes everything of it', async () => {
    const a = await seedAccount(data);
    const sessionId = randomUUID();
    await data.stores.sessions.insert({ id: sessionId, accountId: a.accountId, deviceId: a.deviceId, createdAt: 1, expiresAt: 10_000 });
    await data.stores.sessions.insertRefreshToken('hash-1', sessionId, 1);
    expect(await data.stores.devices.delete(randomUUID(), a.deviceId)).toBe(false);
    expect(await data.stores.devices.delete(a.accountId, a.deviceId)).toBe(true);
    expect(await data.stores.sessions.find(sessionId)).toBeUndefined();

    const b = await seedAccount(data);
    await data.stores.sessions.insert({ id: randomUUID(), accountId: b.accountId, deviceId: b.deviceId, createdAt: 1, expiresAt: 10_000 });
    expect(await data.stores.accounts.delete(b.accountId)).toBe(true);
    expect(await data.stores.devices.listByAccount(b.accountId)).toEqual([]);
    expect(await data.stores.sessions.listActive(b.accountId, 0)).toEqual([]);
    expect(await data.stores.accounts.delete(b.accountId)).toBe(false);
  });

  it('locks an existing account for a device change and reports a missing one', async () => {
    const a = await seedAccount(data);
    expect(await data.stores.accounts.lockForDeviceChange(a.accountId, 50)).toBe(true);
    expect(await data.stores.accounts.lockForDeviceChange(randomUUID(), 50)).toBe(false);
  });

  it('a failing transaction leaves nothing behind', async () => {
    const accountId = randomUUID();
    await expect(
      data.transaction(async (tx) => {
        await tx.accounts.insert({ id: accountId, createdAt: 1, recoveryHash: null });
        await tx.events.append({ type: 'account.created', accountId, occurredAt: 1 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await data.stores.accounts.find(accountId)).toBeUndefined();
    expect(await data.stores.events.after(0, 10)).toEqual([]);
  });
});
