import { DeviceIdentity, authMessages } from '@sanctum/client';
import type { TokenSet , AuthClient} from '@sanctum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { apiError } from './support/api-error.js';

describe('devices, sessions and account deletion over HTTP', () => {
  let auth: AuthUnderTest;
  let client: AuthClient;
  beforeAll(async () => {
    auth = await startAuth({ listen: true });
    client = auth.client;
  });
  afterAll(() => auth.close());

  async function twoDevices(): Promise<{ laptop: DeviceIdentity; first: TokenSet; phone: DeviceIdentity; second: TokenSet }> {
    const laptop = DeviceIdentity.generate();
    const first = await client.createAccount({ identity: laptop, deviceName: 'laptop' });
    const phone = DeviceIdentity.generate();
    const link = await client.requestLink({ identity: phone, deviceName: 'phone' });
    await client.approveLink({ ...first, identity: laptop, code: link.code });
    return { laptop, first, phone, second: await client.completeLink({ identity: phone, link }) };
  }

  it('renames a device of the account and nothing else', async () => {
    const { first, second } = await twoDevices();
    const renamed = await client.renameDevice(first.accessToken, second.deviceId, 'work phone');
    expect(renamed).toMatchObject({ deviceId: second.deviceId, name: 'work phone', current: false });
    const other = await client.createAccount({ identity: DeviceIdentity.generate() });
    expect(await apiError(client.renameDevice(other.accessToken, second.deviceId, 'mine'))).toMatchObject({ status: 404, code: 'AUTH_DEVICE_NOT_FOUND' });
  });

  it('removes a device with its sessions, but never the last one', async () => {
    const { first, second } = await twoDevices();
    await client.removeDevice(first.accessToken, second.deviceId);
    expect(await apiError(client.account(second.accessToken))).toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    expect(await apiError(client.refresh(second.refreshToken))).toMatchObject({ code: 'AUTH_REFRESH_INVALID' });
    expect(await apiError(client.removeDevice(first.accessToken, second.deviceId))).toMatchObject({ status: 404, code: 'AUTH_DEVICE_NOT_FOUND' });
    expect(await apiError(client.removeDevice(first.accessToken, first.deviceId))).toMatchObject({ status: 409, code: 'AUTH_LAST_DEVICE' });
    const listed = await auth.app.inject({ url: `/internal/v1/accounts/${first.accountId}/devices`, headers: { 'x-internal-token': INTERNAL_TOKEN } });
    expect(listed.json<{ devices: { deviceId: string }[] }>().devices.map((d) => d.deviceId)).toEqual([first.deviceId]);
  });

  it('lists active sessions across devices and revokes one of them', async () => {
    const { laptop, first, second } = await twoDevices();
    const another = await client.signIn({ identity: laptop, deviceId: first.deviceId });
    const sessions = await client.listSessions(first.accessToken);
    expect(sessions.map((s) => s.sessionId).sort()).toEqual([first.sessionId, second.sessionId, another.sessionId].sort());
    expect(sessions.find((s) => s.current)?.sessionId).toBe(first.sessionId);

    await client.revokeSession(first.accessToken, second.sessionId);
    await client.revokeSession(first.accessToken, second.sessionId); // idempotent
    expect(await apiError(client.account(second.accessToken))).toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    expect((await client.listSessions(first.accessToken)).map((s) => s.sessionId)).not.toContain(second.sessionId);

    const stranger = await client.createAccount({ identity: DeviceIdentity.generate() });
    expect(await apiError(client.revokeSession(stranger.accessToken, another.sessionId))).toMatchObject({ status: 404, code: 'AUTH_SESSION_NOT_FOUND' });
  });

  it('deletes the account only with a fresh signature of the device, and everything goes with it', async () => {
    const { laptop, first, phone, second } = await twoDevices();
    const http = client.http;
    const { body } = await http.request<{ nonce: string }>('/v1/sessions/challenge', { method: 'POST', body: { deviceId: first.deviceId } });
    // A sign-in signature over the same nonce is not a deletion signature.
    const wrongPurpose = laptop.signBase64url(authMessages.signIn(body.nonce, first.deviceId));
    expect(
      await apiError(http.request('/v1/account', { method: 'DELETE', token: first.accessToken, body: { nonce: body.nonce, signature: wrongPurpose } })),
    ).toMatchObject({ status: 401, code: 'AUTH_PROOF_FAILED' });

    await client.deleteAccount({ ...first, identity: laptop });
    for (const tokens of [first, second]) {
      expect(await apiError(client.account(tokens.accessToken))).toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    }
    expect(await apiError(client.signIn({ identity: phone, deviceId: second.deviceId }))).toMatchObject({ code: 'AUTH_SIGN_IN_FAILED' });
    const listed = await auth.app.inject({ url: `/internal/v1/accounts/${first.accountId}/devices`, headers: { 'x-internal-token': INTERNAL_TOKEN } });
    expect(listed.json()).toEqual({ accountId: first.accountId, devices: [] });
    // Its keys are free again.
    expect((await client.createAccount({ identity: laptop })).accountId).not.toBe(first.accountId);
  });

  it('refuses a new account for a key already enrolled', async () => {
    const identity = DeviceIdentity.generate();
    await client.createAccount({ identity });
    expect(await apiError(client.createAccount({ identity }))).toMatchObject({ status: 409, code: 'AUTH_IDENTITY_KEY_IN_USE' });
  });

  it('refuses a creation proof signed by another key', async () => {
    const identity = DeviceIdentity.generate();
    const http = client.http;
    const { body } = await http.request<{ nonce: string }>('/v1/accounts/challenge', { method: 'POST', body: { identityKey: identity.publicKeyBase64url } });
    const signature = DeviceIdentity.generate().signBase64url(authMessages.createAccount(body.nonce, identity.publicKeyBase64url));
    const refused = await apiError(http.request('/v1/accounts', { method: 'POST', body: { identityKey: identity.publicKeyBase64url, nonce: body.nonce, signature } }));
    expect(refused).toMatchObject({ status: 401, code: 'AUTH_PROOF_FAILED' });
  });

  it('keeps internal routes for services holding the internal token', async () => {
    for (const url of ['/internal/v1/events', '/internal/v1/revocations', '/internal/v1/accounts/x/devices']) {
      const response = await auth.app.inject({ url, headers: { 'x-internal-token': 'wrong' } });
      expect(response.statusCode, url).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'AUTH_INTERNAL_FORBIDDEN' } });
    }
    const rotate = await auth.app.inject({ method: 'POST', url: '/internal/v1/signing-keys/rotate', payload: {} });
    expect(rotate.statusCode).toBe(403);
  });
});
