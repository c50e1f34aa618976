import { DeviceIdentity, authMessages } from '@sanctum/client';
import type { TokenSet , AuthClient} from '@sanctum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { apiError } from './support/api-error.js';

describe('device linking over HTTP', () => {
  let auth: AuthUnderTest;
  let client: AuthClient;
  const clock = new TestClock();
  beforeAll(async () => {
    auth = await startAuth({ listen: true, clock, config: { MAX_DEVICES_PER_ACCOUNT: 3 } });
    client = auth.client;
  });
  afterAll(() => auth.close());

  async function account(): Promise<{ identity: DeviceIdentity; tokens: TokenSet }> {
    const identity = DeviceIdentity.generate();
    return { identity, tokens: await client.createAccount({ identity, deviceName: 'laptop' }) };
  }

  it('links a new device end to end: request → inspect → signed approval → completion with its own credentials', async () => {
    const { identity, tokens } = await account();
    const phone = DeviceIdentity.generate();
    clock.advance(1000);
    const link = await client.requestLink({ identity: phone, deviceName: 'phone' });

    // Before approval the new device is told to wait.
    expect(await apiError(client.completeLink({ identity: phone, link }))).toMatchObject({ status: 409, code: 'AUTH_LINK_PENDING' });

    const seen = await client.inspectLink(tokens.accessToken, link.code);
    expect(seen).toEqual({ linkId: link.linkId, identityKey: phone.publicKeyBase64url, deviceName: 'phone', expiresAt: link.expiresAt, approved: false });
    const waiting = client.waitForLink({ identity: phone, link, pollMs: 20 });
    expect(await client.approveLink({ ...tokens, identity, code: link.code })).toMatchObject({ approved: true });
    const linked = await waiting;

    expect(linked.accountId).toBe(tokens.accountId);
    expect(linked.deviceId).not.toBe(tokens.deviceId);
    const devices = await client.listDevices(linked.accessToken);
    expect(devices.map((d) => [d.name, d.approvedBy, d.current])).toEqual([
      ['laptop', null, false],
      ['phone', tokens.deviceId, true],
    ]);
    // The new device signs in on its own from now on.
    expect((await client.signIn({ identity: phone, deviceId: linked.deviceId })).accountId).toBe(tokens.accountId);

    // Single use: the code is gone.
    expect(await apiError(client.completeLink({ identity: phone, link }))).toMatchObject({ status: 404, code: 'AUTH_LINK_NOT_FOUND' });
    expect(await apiError(client.inspectLink(tokens.accessToken, link.code))).toMatchObject({ code: 'AUTH_LINK_NOT_FOUND' });
  });

  it('refuses an approval signed by another key, a second approval, and another account’s look at an approved link', async () => {
    const { identity, tokens } = await account();
    const stranger = await account();
    const tablet = DeviceIdentity.generate();
    const link = await client.requestLink({ identity: tablet });
    const http = client.http;
    const forged = DeviceIdentity.generate().signBase64url(authMessages.linkApprove(link.linkId, tokens.accountId, tokens.deviceId, tablet.publicKeyBase64url));
    const refused = await apiError(http.request('/v1/links/approve', { method: 'POST', token: tokens.accessToken, body: { code: link.code, signature: forged } }));
    expect(refused).toMatchObject({ status: 401, code: 'AUTH_PROOF_FAILED' });

    await client.approveLink({ ...tokens, identity, code: link.code });
    expect(await apiError(client.approveLink({ ...stranger.tokens, identity: stranger.identity, code: link.code }))).toMatchObject({
      status: 404,
      code: 'AUTH_LINK_NOT_FOUND',
    });
    expect(await apiError(client.approveLink({ ...tokens, identity, code: link.code }))).toMatchObject({ status: 409, code: 'AUTH_LINK_ALREADY_APPROVED' });

    // Completion must be signed by the key being linked.
    const wrongSigner = { ...link };
    expect(await apiError(client.completeLink({ identity: DeviceIdentity.generate(), link: wrongSigner }))).toMatchObject({ status: 401, code: 'AUTH_PROOF_FAILED' });
    expect((await client.completeLink({ identity: tablet, link })).accountId).toBe(tokens.accountId);
  });

  it('expires links', async () => {
    const { identity, tokens } = await account();
    const late = DeviceIdentity.generate();
    const link = await client.requestLink({ identity: late });
    clock.advance(auth.config.LINK_TTL_S * 1000 + 1);
    expect(await apiError(client.approveLink({ ...tokens, identity, code: link.code }))).toMatchObject({ code: 'AUTH_LINK_NOT_FOUND' });
    expect(await apiError(client.completeLink({ identity: late, link }))).toMatchObject({ code: 'AUTH_LINK_NOT_FOUND' });
  });

  it('holds an account to its device cap', async () => {
    const { identity, tokens } = await account();
    for (let i = 0; i < 2; i += 1) {
      const next = DeviceIdentity.generate();
      const link = await client.requestLink({ identity: next });
      await client.approveLink({ ...tokens, identity, code: link.code });
      await client.completeLink({ identity: next, link });
    }
    const fourth = DeviceIdentity.generate();
    const link = await client.requestLink({ identity: fourth });
    const refused = await apiError(client.approveLink({ ...tokens, identity, code: link.code }));
    expect(refused).toMatchObject({ status: 409, code: 'AUTH_DEVICE_LIMIT', details: { maxDevices: 3 } });
  });

  it('refuses to link a key that already belongs to a device', async () => {
    const { identity, tokens } = await account();
    const link = await client.requestLink({ identity });
    await client.approveLink({ ...tokens, identity, code: link.code });
    expect(await apiError(client.completeLink({ identity, link }))).toMatchObject({ status: 409, code: 'AUTH_IDENTITY_KEY_IN_USE' });
  });
});
