import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import type { TestEngine } from '@sanctum/kernel/testing';
import { migrations } from '../../src/migrations/index.js';
import { AuthData } from '../../src/store/auth-data.js';
import type { AuthTables } from '../../src/store/tables.js';

/** A fresh, migrated Auth database on `engine`, with the stores over it. */
export async function openAuthData(engine: TestEngine): Promise<{ database: Database<AuthTables>; data: AuthData }> {
  const database = await engine.open<AuthTables>();
  await migrateToLatest(database.db as never, migrations);
  return { database, data: new AuthData(database.db) };
}

let keyCounter = 0;
/** A unique stand-in identity key (stores do not check curve points; the domain does). */
export function fakeIdentityKey(): string {
  keyCounter += 1;
  return Buffer.from(randomUUID().replace(/-/g, '').slice(0, 28) + String(keyCounter).padStart(4, '0')).toString('base64url');
}

/** Inserts an account with one device; returns their ids. */
export async function seedAccount(data: AuthData, now = 1_000): Promise<{ accountId: string; deviceId: string; identityKey: string }> {
  const accountId = randomUUID();
  const deviceId = randomUUID();
  const identityKey = fakeIdentityKey();
  await data.stores.accounts.insert({ id: accountId, createdAt: now, recoveryHash: null });
  await data.stores.devices.insert({
    id: deviceId,
    accountId,
    name: 'first',
    identityKey,
    createdAt: now,
    lastSeenAt: now,
    approvedBy: null,
    approvalSignature: null,
  });
  return { accountId, deviceId, identityKey };
}
