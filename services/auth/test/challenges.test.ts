import { randomBytes } from 'node:crypto';
import { DeviceIdentity, authMessages } from '@sanctum/client';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthTables } from '../src/store/tables.js';
import { TestClock, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';

describe('challenge nonces', () => {
  let auth: AuthUnderTest;
  const clock = new TestClock();
  let identity: DeviceIdentity;
  let deviceId: string;
  let database: Database<AuthTables>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open<AuthTables>();
    auth = await startAuth({ clock, database });
    identity = DeviceIdentity.generate();
    const key = identity.publicKeyBase64url;
    const challenge = (await auth.app.inject({ method: 'POST', url: '/v1/accounts/challenge', payload: { identityKey: key } })).json<{ nonce: string }>();
    const created = await auth.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      payload: { identityKey: key, nonce: challenge.nonce, signature: identity.signBase64url(authMessages.createAccount(challenge.nonce, key)) },
    });
    deviceId = created.json<{ deviceId: string }>().deviceId;
  });
  afterAll(async () => {
    await auth.close();
    await database.close();
  });

  async function deviceChallenge(id = deviceId) {
    return (await auth.app.inject({ method: 'POST', url: '/v1/sessions/challenge', payload: { deviceId: id } })).json<{ nonce: string; expiresAt: number }>();
  }
  async function signIn(nonce: string, id = deviceId) {
    return auth.app.inject({ method: 'POST', url: '/v1/sessions', payload: { deviceId: id, nonce, signature: identity.signBase64url(authMessages.signIn(nonce, id)) } });
  }

  it('expire after the configured lifetime', async () => {
    const { nonce, expiresAt } = await deviceChallenge();
    expect(expiresAt).toBe(clock.nowMs() + auth.config.CHALLENGE_TTL_S * 1000);
    clock.advance(auth.config.CHALLENGE_TTL_S * 1000);
    const late = await signIn(nonce);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ error: { code: 'AUTH_SIGN_IN_FAILED' } });
    expect((await signIn((await deviceChallenge()).nonce)).statusCode).toBe(201);
  });

  it('are refused when forged, or issued for another purpose', async () => {
    const forged = randomBytes(40).toString('base64url');
    expect((await signIn(forged)).json()).toMatchObject({ error: { code: 'AUTH_SIGN_IN_FAILED' } });
    const keyNonce = (
      await auth.app.inject({ method: 'POST', url: '/v1/accounts/challenge', payload: { identityKey: identity.publicKeyBase64url } })
    ).json<{ nonce: string }>().nonce;
    expect((await signIn(keyNonce)).json()).toMatchObject({ error: { code: 'AUTH_SIGN_IN_FAILED' } });
    const { nonce } = await deviceChallenge();
    const tampered = `${nonce.slice(0, 30)}${nonce[30] === 'A' ? 'B' : 'A'}${nonce.slice(31)}`;
    expect((await signIn(tampered)).json()).toMatchObject({ error: { code: 'AUTH_SIGN_IN_FAILED' } });
    expect((await signIn(nonce)).statusCode).toBe(201);
  });

  it('cost no storage when issued; only spent nonces are kept, until they expire', async () => {
    const spentRows = async () => (await database.db.selectFrom('spent_challenges').select('nonce').execute()).length;
    const before = await spentRows();
    for (let i = 0; i < 20; i += 1) await deviceChallenge(crypto.randomUUID());
    expect(await spentRows()).toBe(before);
    expect((await signIn((await deviceChallenge()).nonce)).statusCode).toBe(201);
    expect(await spentRows()).toBe(before + 1);
  });
});
