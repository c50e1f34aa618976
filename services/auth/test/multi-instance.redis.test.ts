import { DeviceIdentity } from '@sanctum/client';
import { AUTH_INTERNAL_ROUTES, RedisBus } from '@sanctum/kernel';
import type { AuthEventFeed, Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthTables } from '../src/store/tables.js';
import { INTERNAL_TOKEN, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';

const REDIS_URL = process.env.SANCTUM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const bus = new RedisBus(REDIS_URL);
  try {
    await Promise.race([bus.ping(), new Promise((_resolve, reject) => setTimeout(() => { reject(new Error('timeout')); }, 3000))]);
    return true;
  } catch {
    return false;
  } finally {
    await bus.close();
  }
}

const reachable = await redisReachable();

/** Two Auth instances on one database, sharing rate limits and event wake-ups through Redis (the production shape). */
describe.skipIf(!reachable).each(testEngines())('two Auth instances with Redis on $name', (engine) => {
  let database: Database<AuthTables>;
  let a: AuthUnderTest;
  let b: AuthUnderTest;
  beforeAll(async () => {
    database = await engine.open<AuthTables>();
    const config = { REDIS_URL, RATE_LIMIT_SIGN_IN_PER_DEVICE: 2 };
    a = await startAuth({ database, listen: true, config });
    b = await startAuth({ database, listen: true, config });
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await database.close();
  });

  it('counts per-device limits across instances', async () => {
    const deviceId = crypto.randomUUID();
    const challenge = (target: AuthUnderTest) => target.app.inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { deviceId } });
    expect((await challenge(a)).statusCode).toBe(200);
    expect((await challenge(b)).statusCode).toBe(200);
    expect((await challenge(a)).statusCode).toBe(429);
  });

  it('wakes a long poll on one instance when the other commits an event', async () => {
    const last = await (await fetch(`${b.url}${AUTH_INTERNAL_ROUTES.events}?after=0&limit=1000`, { headers: { 'x-internal-token': INTERNAL_TOKEN } })).json() as AuthEventFeed;
    const started = Date.now();
    const poll = fetch(`${b.url}${AUTH_INTERNAL_ROUTES.events}?after=${last.cursor}&waitMs=20000`, { headers: { 'x-internal-token': INTERNAL_TOKEN } });
    // Give the poll time to reach b before committing on a; if it arrives later it simply finds the event at once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const created = await a.client.createAccount({ identity: DeviceIdentity.generate() });
    const feed = (await (await poll).json()) as AuthEventFeed;
    expect(feed.events.map((e) => e.accountId)).toContain(created.accountId);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('accepts on one instance the tokens issued by the other', async () => {
    const identity = DeviceIdentity.generate();
    const tokens = await a.client.createAccount({ identity });
    expect(await b.client.account(tokens.accessToken)).toMatchObject({ accountId: tokens.accountId });
    expect((await b.client.refresh(tokens.refreshToken)).sessionId).toBe(tokens.sessionId);
  });
});
