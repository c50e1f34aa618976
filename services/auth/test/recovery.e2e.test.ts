import { DeviceIdentity, authMessages, generateRecoverySecret } from '@sanctum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { apiError } from './support/api-error.js';

describe('account recovery over HTTP', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuth({ listen: true });
  });
  afterAll(() => auth.close());

  it('enrols a new device with the recovery secret and removes every other device and session', async () => {
    const { client } = auth;
    const secret = generateRecoverySecret();
    const laptop = DeviceIdentity.generate();
    const first = await client.createAccount({ identity: laptop, recoverySecret: secret });
    expect(await client.account(first.accessToken)).toMatchObject({ recoveryEnabled: true });
    const phone = DeviceIdentity.generate();
    const link = await client.requestLink({ identity: phone });
    await client.approveLink({ ...first, identity: laptop, code: link.code });
    const phoneTokens = await client.completeLink({ identity: phone, link });

    const replacement = DeviceIdentity.generate();
    const next = generateRecoverySecret();
    const recovered = await client.recover({ accountId: first.accountId, recoverySecret: secret, identity: replacement, deviceName: 'new phone', newRecoverySecret: next });
    expect(recovered.accountId).toBe(first.accountId);

    const devices = await client.listDevices(recovered.accessToken);
    expect(devices.map((d) => d.name)).toEqual(['new phone']);
    for (const old of [first, phoneTokens]) {
      expect(await apiError(client.account(old.accessToken))).toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
      expect(await apiError(client.refresh(old.refreshToken))).toMatchObject({ code: 'AUTH_REFRESH_INVALID' });
    }
    expect(await apiError(client.signIn({ identity: laptop, deviceId: first.deviceId }))).toMatchObject({ code: 'AUTH_SIGN_IN_FAILED' });

    // The old secret is spent; the new one works (and may re-use the laptop's key, now free).
    expect(await apiError(client.recover({ accountId: first.accountId, recoverySecret: secret, identity: laptop }))).toMatchObject({
      status: 401,
      code: 'AUTH_RECOVERY_FAILED',
    });
    const again = await client.recover({ accountId: first.accountId, recoverySecret: next, identity: laptop });
    expect(again.accountId).toBe(first.accountId);
    expect(await client.account(again.accessToken)).toMatchObject({ recoveryEnabled: false });
  });

  it('gives the same answer for an unknown account, a wrong secret and an account without recovery', async () => {
    const { client } = auth;
    const identity = DeviceIdentity.generate();
    const withSecret = await client.createAccount({ identity, recoverySecret: generateRecoverySecret() });
    const withoutSecret = await client.createAccount({ identity: DeviceIdentity.generate() });
    const attempts = [
      { accountId: '00000000-0000-4000-8000-000000000000', recoverySecret: generateRecoverySecret() },
      { accountId: withSecret.accountId, recoverySecret: generateRecoverySecret() },
      { accountId: withoutSecret.accountId, recoverySecret: generateRecoverySecret() },
    ];
    for (const attempt of attempts) {
      const error = await apiError(client.recover({ ...attempt, identity: DeviceIdentity.generate() }));
      expect({ status: error.status, code: error.code, message: error.message }).toEqual({
        status: 401,
        code: 'AUTH_RECOVERY_FAILED',
        message: 'Recovery failed: unknown account or wrong recovery secret',
      });
    }
  });

  it('needs the new key’s signature over the recovery', async () => {
    const { client } = auth;
    const secret = generateRecoverySecret();
    const created = await client.createAccount({ identity: DeviceIdentity.generate(), recoverySecret: secret });
    const newKey = DeviceIdentity.generate();
    const { body } = await client.http.request<{ nonce: string }>('/v1/accounts/challenge', { method: 'POST', body: { identityKey: newKey.publicKeyBase64url } });
    const signedByOther = DeviceIdentity.generate().signBase64url(authMessages.recover(body.nonce, created.accountId, newKey.publicKeyBase64url));
    const refused = await apiError(
      client.http.request('/v1/recovery', {
        method: 'POST',
        body: { accountId: created.accountId, recoverySecret: secret, identityKey: newKey.publicKeyBase64url, nonce: body.nonce, signature: signedByOther },
      }),
    );
    expect(refused).toMatchObject({ status: 401, code: 'AUTH_PROOF_FAILED' });
  });

  it('lets a signed-in device set, replace and remove the recovery secret', async () => {
    const { client } = auth;
    const identity = DeviceIdentity.generate();
    const tokens = await client.createAccount({ identity });
    const secret = generateRecoverySecret();
    await client.setRecoverySecret(tokens.accessToken, secret);
    expect(await client.account(tokens.accessToken)).toMatchObject({ recoveryEnabled: true });
    await client.setRecoverySecret(tokens.accessToken, null);
    expect(await client.account(tokens.accessToken)).toMatchObject({ recoveryEnabled: false });
    expect(await apiError(client.recover({ accountId: tokens.accountId, recoverySecret: secret, identity: DeviceIdentity.generate() }))).toMatchObject({
      code: 'AUTH_RECOVERY_FAILED',
    });
  });
});
