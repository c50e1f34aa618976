import { randomBytes } from 'node:crypto';
import { migrateToLatest } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../src/migrations/index.js';
import { AuthEventsStore } from '../src/store/auth-events.store.js';
import { BundleStore } from '../src/store/bundle.store.js';
import { HandleStore } from '../src/store/handle.store.js';
import { PreKeyStore } from '../src/store/prekey.store.js';
import type { KeyUpload } from '../src/store/prekey.store.js';
import type { DirectoryTables } from '../src/store/tables.js';

const signedKey = (keyId: number) => ({ keyId, publicKey: randomBytes(32), signature: randomBytes(64) });

describe.each(testEngines())('Directory stores on $name', (engine) => {
  let database: Database<DirectoryTables>;
  beforeEach(async () => {
    database = await engine.open<DirectoryTables>();
    await migrateToLatest(database.db as never, migrations);
    await new AuthEventsStore(database.db).applyBatch(
      [
        { seq: 1, type: 'device.added', accountId: 'a1', deviceId: 'd1', identityKey: randomBytes(32).toString('base64url'), occurredAt: 1 },
        { seq: 2, type: 'device.added', accountId: 'a1', deviceId: 'd2', identityKey: randomBytes(32).toString('base64url'), occurredAt: 2 },
      ] as never,
      2,
    );
  });
  afterEach(() => database.close());

  const upload = (overrides: Partial<KeyUpload> = {}): KeyUpload => ({
    accountId: 'a1',
    deviceId: 'd1',
    signed: { signed: signedKey(1), last_resort: signedKey(2) },
    oneTime: { ec: [], pq: [] },
    maxPerDevice: 10_000,
    now: 1000,
    ...overrides,
  });

  it('lets exactly one of two concurrent claims of a handle win', async () => {
    const handles = new HandleStore(database.db);
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.all([handles.claim('x1', `h${round}`, 1), handles.claim('x2', `h${round}`, 1)]);
      expect(outcomes.sort()).toEqual(['claimed', 'taken']);
    }
    expect(await handles.release('nobody')).toBe(false);
  });

  it('stores one-time keys all or nothing and counts them per kind', async () => {
    const prekeys = new PreKeyStore(database);
    const ec = Array.from({ length: 600 }, (_, i) => ({ keyId: i, publicKey: randomBytes(32), signature: null }));
    expect(await prekeys.upload(upload({ oneTime: { ec, pq: [{ keyId: 1, publicKey: randomBytes(1184), signature: randomBytes(64) }] } }))).toEqual({ kind: 'stored' });
    expect(await prekeys.counts('d1')).toEqual({ oneTime: { ec: 600, pq: 1 }, signed: { signed: true, last_resort: true, pq_last_resort: false } });
    const refused = await prekeys.upload(upload({ signed: {}, oneTime: { ec: [{ keyId: 599, publicKey: randomBytes(32), signature: null }], pq: [] } }));
    expect(refused).toEqual({ kind: 'id-conflict', keyKind: 'ec', keyIds: [599] });
    expect(await prekeys.upload(upload({ deviceId: 'unknown' }))).toEqual({ kind: 'device-unknown' });
  });

  it('consumes each one-time key once under concurrent takes, then falls back to the last-resort key', async () => {
    const prekeys = new PreKeyStore(database);
    const ec = Array.from({ length: 30 }, (_, i) => ({ keyId: i, publicKey: randomBytes(32), signature: null }));
    await prekeys.upload(upload({ oneTime: { ec, pq: [] } }));
    const bundles = new BundleStore(database);
    const taken = await Promise.all(Array.from({ length: 45 }, () => bundles.take('a1', 'd1')));
    const keys = taken.map((t) => t.bundles[0]!.preKey);
    const oneTime = keys.filter((k) => !k.lastResort).map((k) => k.keyId);
    expect(new Set(oneTime).size).toBe(30);
    expect(oneTime).toHaveLength(30);
    expect(keys.filter((k) => k.lastResort).every((k) => k.keyId === 2)).toBe(true);
    expect((await prekeys.counts('d1')).oneTime.ec).toBe(0);
    expect((await bundles.take('a1')).devicesWithoutKeys).toEqual(['d2']);
  });
});
