import { DeviceIdentity, authMessages } from '@sanctum/client';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthTables } from '../src/store/tables.js';
import { startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { apiError } from './support/api-error.js';

describe.each(testEngines())('sign-in and session lifecycle over HTTP on $name', (engine) => {
  let database: Database<AuthTables>;
  let auth: AuthUnderTest;
  beforeAll(async () => {
    database = await engine.open<AuthTables>();
    auth = await startAuth({ database, listen: true });
  });
  afterAll(async () => {
    await auth.close();
    await database.close();
  });

  it('create → challenge → sign in → protected route → refresh → replay → logout', async () => {
    const { client } = auth;
    const identity = DeviceIdentity.generate();
    const created = await client.createAccount({ identity, deviceName: 'laptop' });
    expect(created).toMatchObject({ tokenType: 'Bearer' });

    // Challenge → signed answer → tokens.
    const signedIn = await client.signIn({ identity, deviceId: created.deviceId });
    expect(signedIn.accountId).toBe(created.accountId);
    expect(signedIn.sessionId).not.toBe(created.sessionId);

    // A protected route.
    const account = await client.account(signedIn.accessToken);
    expect(account).toMatchObject({ accountId: created.accountId, recoveryEnabled: false });
    const devices = await client.listDevices(signedIn.accessToken);
    expect(devices).toEqual([expect.objectContaining({ deviceId: created.deviceId, name: 'laptop', identityKey: identity.publicKeyBase64url, current: true })]);

    // Refresh: a new pair; the old refresh token is refused from now on.
    const refreshed = await client.refresh(signedIn.refreshToken);
    expect(refreshed.refreshToken).not.toBe(signedIn.refreshToken);
    expect(refreshed.sessionId).toBe(signedIn.sessionId);
    expect(await client.account(refreshed.accessToken)).toMatchObject({ accountId: created.accountId });

    // Replaying the spent token revokes the whole session: the fresh refresh token and the access tokens die too.
    const replay = await apiError(client.refresh(signedIn.refreshToken));
    expect(replay).toMatchObject({ status: 401, code: 'AUTH_REFRESH_INVALID' });
    expect(await apiError(client.refresh(refreshed.refreshToken))).toMatchObject({ status: 401, code: 'AUTH_REFRESH_INVALID' });
    expect(await apiError(client.account(refreshed.accessToken))).toMatchObject({ status: 401, code: 'AUTH_TOKEN_REVOKED' });
    const sessionIds = (await client.listSessions(created.accessToken)).map((s) => s.sessionId);
    expect(sessionIds).toEqual([created.sessionId]);

    // Logout ends the session: its access token and refresh token stop working.
    await client.logout(created.accessToken);
    expect(await apiError(client.account(created.accessToken))).toMatchObject({ status: 401, code: 'AUTH_TOKEN_REVOKED' });
    expect(await apiError(client.refresh(created.refreshToken))).toMatchObject({ code: 'AUTH_REFRESH_INVALID' });
  });

  it('refuses a reused nonce, a wrong signature, an unknown device and a nonce of another device alike', async () => {
    const { client } = auth;
    const identity = DeviceIdentity.generate();
    const other = DeviceIdentity.generate();
    const created = await client.createAccount({ identity });
    const post = (path: string, body: unknown) => client.http.request(path, { method: 'POST', body });
    const challenge = async (deviceId: string) => (await post('/v1/sessions/challenge', { deviceId })).body as { nonce: string; expiresAt: number };

    const good = await challenge(created.deviceId);
    const answer = { deviceId: created.deviceId, nonce: good.nonce, signature: identity.signBase64url(authMessages.signIn(good.nonce, created.deviceId)) };
    expect((await post('/v1/sessions', answer)).status).toBe(201);
    expect(await apiError(post('/v1/sessions', answer))).toMatchObject({ status: 401, code: 'AUTH_SIGN_IN_FAILED' });

    const forged = await challenge(created.deviceId);
    const wrongKey = { deviceId: created.deviceId, nonce: forged.nonce, signature: other.signBase64url(authMessages.signIn(forged.nonce, created.deviceId)) };
    expect(await apiError(post('/v1/sessions', wrongKey))).toMatchObject({ status: 401, code: 'AUTH_SIGN_IN_FAILED' });
    // The failed attempt burnt the nonce: even the right signature is refused now.
    const burnt = { ...wrongKey, signature: identity.signBase64url(authMessages.signIn(forged.nonce, created.deviceId)) };
    expect(await apiError(post('/v1/sessions', burnt))).toMatchObject({ code: 'AUTH_SIGN_IN_FAILED' });

    // An unknown device still gets a nonce, and the same failure.
    const ghost = '00000000-0000-4000-8000-000000000000';
    const ghostChallenge = await challenge(ghost);
    expect(ghostChallenge.nonce).toMatch(/^[A-Za-z0-9_-]{54}$/);
    const ghostAnswer = { deviceId: ghost, nonce: ghostChallenge.nonce, signature: other.signBase64url(authMessages.signIn(ghostChallenge.nonce, ghost)) };
    expect(await apiError(post('/v1/sessions', ghostAnswer))).toMatchObject({ status: 401, code: 'AUTH_SIGN_IN_FAILED' });

    // A nonce issued for one device does not sign in another.
    const second = await client.createAccount({ identity: other });
    const stolen = await challenge(created.deviceId);
    const crossed = { deviceId: second.deviceId, nonce: stolen.nonce, signature: other.signBase64url(authMessages.signIn(stolen.nonce, second.deviceId)) };
    expect(await apiError(post('/v1/sessions', crossed))).toMatchObject({ code: 'AUTH_SIGN_IN_FAILED' });
  });

  it('lets only one of several concurrent sign-ins with one nonce through', async () => {
    const { client } = auth;
    const identity = DeviceIdentity.generate();
    const created = await client.createAccount({ identity });
    const { body } = await client.http.request<{ nonce: string }>('/v1/sessions/challenge', { method: 'POST', body: { deviceId: created.deviceId } });
    const answer = { deviceId: created.deviceId, nonce: body.nonce, signature: identity.signBase64url(authMessages.signIn(body.nonce, created.deviceId)) };
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.http.request('/v1/sessions', { method: 'POST', body: answer })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('answers an invalid body with a 4xx and a stable code, never a 5xx', async () => {
    const cases: [string, unknown][] = [
      ['/v1/sessions', { deviceId: 'x', nonce: 'short', signature: 'bad' }],
      ['/v1/sessions', { deviceId: 'x', nonce: 'a'.repeat(54), signature: 'b'.repeat(86), extra: 1 }],
      ['/v1/accounts', { identityKey: 'A'.repeat(43), nonce: 'a'.repeat(54), signature: 'b'.repeat(86) }],
      ['/v1/accounts/challenge', { identityKey: '_'.repeat(43) }],
      ['/v1/sessions/refresh', { refreshToken: 'nope' }],
      ['/v1/links', { identityKey: 'A'.repeat(43) }],
    ];
    for (const [url, payload] of cases) {
      const response = await auth.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
      expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, url).toBeLessThan(500);
      expect(response.json<{ error: { code: string } }>().error.code).toMatch(/^(REQ|AUTH)_/);
    }
    const invalidKey = await auth.app.inject({ method: 'POST', url: '/v1/accounts/challenge', payload: { identityKey: '_'.repeat(43) } });
    expect(invalidKey.json()).toMatchObject({ error: { code: 'AUTH_IDENTITY_KEY_INVALID' } });
  });
});
