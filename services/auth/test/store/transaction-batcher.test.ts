import { randomUUID } from 'node:crypto';
import { AppError } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthData } from '../../src/store/auth-data.js';
import { TransactionBatcher } from '../../src/store/transaction-batcher.js';
import type { AuthTables } from '../../src/store/tables.js';
import { openAuthData, seedAccount } from '../support/store-fixtures.js';

describe.each(testEngines())('group commit on $name', (engine) => {
  let database: Database<AuthTables>;
  let data: AuthData;
  beforeEach(async () => {
    ({ database, data } = await openAuthData(engine));
  });
  afterEach(() => database.close());

  /** Spends a nonce and opens a session for `deviceId`, refusing a spent nonce with an AppError. */
  function batcher(accountId: string) {
    let transactions = 0;
    const batch = new TransactionBatcher(data, async (tx, item: { nonce: string; deviceId: string }) => {
      if (!(await tx.challenges.spend(item.nonce, 10_000))) throw new AppError('AUTH_SIGN_IN_FAILED', 'spent', 401);
      const id = randomUUID();
      await tx.sessions.insert({ id, accountId, deviceId: item.deviceId, createdAt: 1, expiresAt: 10_000 });
      return id;
    });
    const transaction = data.transaction.bind(data);
    data.transaction = async (work) => {
      transactions += 1;
      return transaction(work);
    };
    return { batch, transactions: () => transactions };
  }

  it('commits many concurrent units in one transaction, each answered with its own result', async () => {
    const { accountId, deviceId } = await seedAccount(data);
    const { batch, transactions } = batcher(accountId);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => batch.submit({ nonce: `n${i}`, deviceId })));
    expect(new Set(ids).size).toBe(20);
    expect(transactions()).toBe(1);
    expect((await data.stores.sessions.listActive(accountId, 0)).length).toBe(20);
  });

  it('fails an expected refusal alone', async () => {
    const { accountId, deviceId } = await seedAccount(data);
    const { batch } = batcher(accountId);
    const results = await Promise.allSettled([batch.submit({ nonce: 'same', deviceId }), batch.submit({ nonce: 'same', deviceId }), batch.submit({ nonce: 'other', deviceId })]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'AUTH_SIGN_IN_FAILED' });
  });

  it('retries each unit alone when one breaks the batch, so only that one fails', async () => {
    const { accountId, deviceId } = await seedAccount(data);
    const { batch, transactions } = batcher(accountId);
    const results = await Promise.allSettled([
      batch.submit({ nonce: 'a', deviceId }),
      batch.submit({ nonce: 'b', deviceId: randomUUID() }), // no such device: a foreign-key violation
      batch.submit({ nonce: 'c', deviceId }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(AppError);
    expect(transactions()).toBe(4);
    expect((await data.stores.sessions.listActive(accountId, 0)).length).toBe(2);
  });
});
