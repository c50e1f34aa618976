import { DeviceIdentity } from '@sanctum/client';
import type { Database } from '@sanctum/kernel';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '@sanctum/kernel/testing';
import type { AuthTables } from '../src/store/tables.js';
import { AuthData } from '../src/store/auth-data.js';
import { INTERNAL_TOKEN, TestClock, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { eventually } from './support/poll.js';

const HOUR_MS = 3600_000;

describe('signing-key rotation', () => {
  let database: Database<AuthTables>;
  let clock: TestClock;
  let auth: AuthUnderTest;
  const [engine] = testEngines();

  beforeEach(async () => {
    database = await engine!.open<AuthTables>();
    clock = new TestClock();
  });
  afterEach(async () => {
    await auth.close();
    await database.close();
  });

  async function jwks(target: AuthUnderTest = auth): Promise<JSONWebKeySet> {
    return (await target.app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
  }
  async function rotate(immediate: boolean, target: AuthUnderTest = auth): Promise<{ kid: string; activatesAt: number }> {
    const response = await target.app.inject({ method: 'POST', url: '/internal/v1/signing-keys/rotate', headers: { 'x-internal-token': INTERNAL_TOKEN }, payload: { immediate } });
    expect(response.statusCode).toBe(200);
    return response.json();
  }
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;

  it('publishes the next key before it signs, keeps the old one until its tokens expire, then drops it', async () => {
    auth = await startAuth({ database, clock, listen: true, config: { SIGNING_KEY_PUBLISH_DELAY_S: 60, MAINTENANCE_INTERVAL_S: 1 } });
    const identity = DeviceIdentity.generate();
    const before = await auth.client.createAccount({ identity });
    const oldKid = kidOf(before.accessToken);

    const next = await rotate(false);
    expect(next.activatesAt).toBe(clock.nowMs() + 60_000);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([oldKid, next.kid]);
    // Published, not yet signing.
    expect(kidOf((await auth.client.signIn({ identity, deviceId: before.deviceId })).accessToken)).toBe(oldKid);

    clock.advance(61_000);
    const after = await auth.client.signIn({ identity, deviceId: before.deviceId });
    expect(kidOf(after.accessToken)).toBe(next.kid);
    // Rotation logs nobody out: the token signed by the old key still verifies, by the JWKS and on Auth.
    const keySet = createLocalJWKSet(await jwks());
    await jwtVerify(before.accessToken, keySet, { currentDate: new Date(clock.nowMs()) });
    await jwtVerify(after.accessToken, keySet, { currentDate: new Date(clock.nowMs()) });
    expect(await auth.client.account(after.accessToken)).toMatchObject({ accountId: before.accountId });

    // Once every token the old key signed has expired (plus reload interval and skew), it leaves the JWKS and the database.
    clock.advance(HOUR_MS + auth.config.SIGNING_KEY_RELOAD_S * 1000 + 61_000);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([next.kid]);
    await eventually(async () => (await new AuthData(database.db).stores.signingKeys.list()).length === 1, 'pruning by maintenance');
  });

  it('rotates at once after a compromise, and by age on its own', async () => {
    auth = await startAuth({ database, clock, config: { SIGNING_KEY_ROTATION_S: 600, MAINTENANCE_INTERVAL_S: 1 } });
    const first = (await jwks()).keys.map((k) => k.kid);
    const immediate = await rotate(true);
    expect(immediate.activatesAt).toBe(clock.nowMs());
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([...first, immediate.kid]);

    clock.advance(601_000);
    await eventually(async () => (await jwks()).keys.length === 3, 'rotation by age');
  });

  it('lets another instance on the same database pick up a rotation', async () => {
    auth = await startAuth({ database, clock, listen: true });
    const other = await startAuth({ database, clock, listen: true });
    try {
      const identity = DeviceIdentity.generate();
      const tokens = await auth.client.createAccount({ identity });
      const rotated = await rotate(true);
      const fresh = await auth.client.signIn({ identity, deviceId: tokens.deviceId });
      expect(kidOf(fresh.accessToken)).toBe(rotated.kid);
      // The other instance has not reloaded yet, but an unknown kid makes it look again.
      expect(await other.client.account(fresh.accessToken)).toMatchObject({ accountId: tokens.accountId });
      expect((await jwks(other)).keys.map((k) => k.kid)).toContain(rotated.kid);
      // Rotating on both at once makes one next generation, not two.
      await Promise.all([rotate(false), rotate(false, other)]);
      expect((await new AuthData(database.db).stores.signingKeys.list()).map((k) => k.generation)).toEqual([1, 2, 3]);
    } finally {
      await other.close();
    }
  });
});
