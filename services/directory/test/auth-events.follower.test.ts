import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadDirectoryConfig } from '../src/config.js';
import { migrations } from '../src/migrations/index.js';
import { AuthEventsStore } from '../src/store/auth-events.store.js';
import type { DirectoryTables } from '../src/store/tables.js';
import { TestIdentity } from './helpers/device-keys.js';
import { INTERNAL_TOKEN, eventually } from './helpers/directory-harness.js';
import { FakeAuthFeed } from './helpers/fake-auth-feed.js';

describe.each(testEngines())('Auth event follower on $name', (engine) => {
  let database: Database<DirectoryTables>;
  let feed: FakeAuthFeed;
  beforeEach(async () => {
    database = await engine.open<DirectoryTables>();
    feed = await new FakeAuthFeed(INTERNAL_TOKEN).start();
  });
  afterEach(async () => {
    await feed.stop();
    await database.close();
  });

  const configFor = (url: string, token = INTERNAL_TOKEN) =>
    loadDirectoryConfig({ SANCTUM_INTERNAL_TOKEN: token, LOG_LEVEL: 'silent', AUTH_URL: url, AUTH_EVENTS_WAIT_MS: '500', AUTH_EVENTS_RETRY_MS: '20' });
  const devicesIn = async () => (await database.db.selectFrom('devices').select(['device_id', 'removed_at']).orderBy('device_id').execute());

  it('keeps its cursor across restarts and skips malformed events without stopping', async () => {
    const accountId = randomUUID();
    feed.addDevice(accountId, 'd1', TestIdentity.generate().publicKeyText);
    feed.append('device.added', accountId, { deviceId: 'bad' }); // no identity key: skipped
    feed.append('device.removed', accountId, {}); // no device id: skipped
    feed.append('session.revoked', accountId, { sessionId: 's1' });
    let app = await buildApp({ config: configFor(feed.url), logger: false, database });
    await app.ready();
    await eventually(async () => (await new AuthEventsStore(database.db).loadCursor()) === 4, 'the cursor to reach 4');
    expect(await devicesIn()).toEqual([{ device_id: 'd1', removed_at: null }]);
    await app.close();

    feed.addDevice(accountId, 'd2', TestIdentity.generate().publicKeyText);
    const before = feed.requests;
    app = await buildApp({ config: configFor(feed.url), logger: false, database });
    await app.ready();
    await eventually(async () => (await devicesIn()).length === 2, 'd2 after the restart');
    expect(await new AuthEventsStore(database.db).loadCursor()).toBe(5);
    expect(feed.requests).toBeGreaterThan(before);
    await app.close();
  });

  it('keeps retrying while the feed refuses it, applying nothing', async () => {
    feed.addDevice(randomUUID(), 'd1', TestIdentity.generate().publicKeyText);
    const app = await buildApp({ config: configFor(feed.url, 'wrong-token-0123456789abcdef-0123456789'), logger: false, database });
    await app.ready();
    await eventually(async () => app.authEvents?.lastError !== undefined, 'the follower to report the refusal');
    expect(await devicesIn()).toEqual([]);
    await app.close();
  });

  it('is not started when disabled', async () => {
    const app = await buildApp({ config: configFor(feed.url), logger: false, database, followAuthEvents: false });
    await app.ready();
    expect(app.authEvents).toBeNull();
    expect(feed.requests).toBe(0);
    await app.close();
  });

  it('applies a replayed batch idempotently', async () => {
    await migrateToLatest(database.db as never, migrations);
    const store = new AuthEventsStore(database.db);
    const key = TestIdentity.generate().publicKeyText;
    const events = [
      feed.addDevice('a1', 'd1', key),
      feed.addDevice('a1', 'd2', key),
      feed.removeDevice('a1', 'd2'),
    ];
    expect(await store.applyBatch(events, 3)).toEqual([]);
    expect(await store.applyBatch(events, 3)).toEqual([]);
    const rows = await devicesIn();
    expect(rows.map((r) => [r.device_id, r.removed_at === null])).toEqual([
      ['d1', true],
      ['d2', false],
    ]);
    expect(await store.loadCursor()).toBe(3);
  });
});
