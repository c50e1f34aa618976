import { DeviceIdentity, authMessages, generateRecoverySecret } from '@sanctum/client';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';

function expectLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toMatchObject({ error: { code: 'REQ_RATE_LIMITED' } });
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
}

describe('abuse limits', () => {
  let auth: AuthUnderTest;
  afterEach(() => auth.close());

  it('limits account creation per IP', async () => {
    auth = await startAuth({ config: { RATE_LIMIT_CREATE_PER_IP: 2 } });
    const create = (remoteAddress: string) => auth.app.inject({ method: 'POST', url: '/v1/accounts', remoteAddress, payload: {} });
    expect((await create('10.0.0.1')).statusCode).toBe(400);
    expect((await create('10.0.0.1')).statusCode).toBe(400);
    expectLimited(await create('10.0.0.1'));
    expect((await create('10.0.0.2')).statusCode).toBe(400);
  });

  it('limits challenges and sign-ins per device, whatever the IP', async () => {
    auth = await startAuth({ config: { RATE_LIMIT_SIGN_IN_PER_DEVICE: 2 } });
    const deviceId = '11111111-1111-4111-8111-111111111111';
    const challenge = (id: string, ip: string) => auth.app.inject({ method: 'POST', url: '/v1/sessions/challenge', remoteAddress: ip, payload: { deviceId: id } });
    expect((await challenge(deviceId, '10.0.0.1')).statusCode).toBe(200);
    expect((await challenge(deviceId, '10.0.0.2')).statusCode).toBe(200);
    expectLimited(await challenge(deviceId, '10.0.0.3'));
    expect((await challenge('22222222-2222-4222-8222-222222222222', '10.0.0.3')).statusCode).toBe(200);

    const identity = DeviceIdentity.generate();
    const signIn = (ip: string) =>
      auth.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        remoteAddress: ip,
        payload: { deviceId, nonce: 'a'.repeat(54), signature: identity.signBase64url(authMessages.signIn('a'.repeat(54), deviceId)) },
      });
    expect((await signIn('10.0.1.1')).statusCode).toBe(401);
    expect((await signIn('10.0.1.2')).statusCode).toBe(401);
    expectLimited(await signIn('10.0.1.3'));
  });

  it('limits sign-ins and refreshes per IP, and refreshes per session', async () => {
    auth = await startAuth({ config: { RATE_LIMIT_SIGN_IN_PER_IP: 1, RATE_LIMIT_REFRESH_PER_SESSION: 1 } });
    const post = (url: string, payload: Record<string, unknown>, ip = '10.0.0.9') => auth.app.inject({ method: 'POST', url, payload, remoteAddress: ip });
    const answer = { deviceId: 'd', nonce: 'a'.repeat(54), signature: 'b'.repeat(86) };
    expect((await post('/v1/sessions', answer)).statusCode).toBe(401);
    expectLimited(await post('/v1/sessions', answer));

    const session = '33333333-3333-4333-8333-333333333333';
    const token = (n: number) => `${session}.${String(n).padStart(43, 'x')}`;
    expect((await post('/v1/sessions/refresh', { refreshToken: token(1) }, '10.0.2.1')).statusCode).toBe(401);
    expectLimited(await post('/v1/sessions/refresh', { refreshToken: token(2) }, '10.0.2.2'));
  });

  it('limits recovery hard, per IP and per account', async () => {
    auth = await startAuth({ config: { RATE_LIMIT_RECOVERY_PER_IP: 2, RATE_LIMIT_RECOVERY_PER_ACCOUNT: 3 } });
    const accountId = '44444444-4444-4444-8444-444444444444';
    const attempt = (ip: string, account = accountId) =>
      auth.app.inject({
        method: 'POST',
        url: '/v1/recovery',
        remoteAddress: ip,
        payload: { accountId: account, recoverySecret: generateRecoverySecret(), identityKey: 'A'.repeat(43), nonce: 'a'.repeat(54), signature: 'b'.repeat(86) },
      });
    expect((await attempt('10.1.0.1')).statusCode).toBe(400);
    expect((await attempt('10.1.0.1')).statusCode).toBe(400);
    expectLimited(await attempt('10.1.0.1'));
    expect((await attempt('10.1.0.2')).statusCode).toBe(400);
    expectLimited(await attempt('10.1.0.3'));
    expect((await attempt('10.1.0.4', '55555555-5555-4555-8555-555555555555')).statusCode).toBe(400);
  });

  it('limits link requests per IP and link approvals per account', async () => {
    auth = await startAuth({ listen: true, config: { RATE_LIMIT_LINK_PER_IP: 1, RATE_LIMIT_LINK_PER_ACCOUNT: 1 } });
    const request = () => auth.app.inject({ method: 'POST', url: '/v1/links', payload: { identityKey: DeviceIdentity.generate().publicKeyBase64url } });
    expect((await request()).statusCode).toBe(201);
    expectLimited(await request());

    const tokens = await auth.client.createAccount({ identity: DeviceIdentity.generate() });
    const inspect = (ip: string) =>
      auth.app.inject({
        method: 'POST',
        url: '/v1/links/inspect',
        remoteAddress: ip,
        headers: { authorization: `Bearer ${tokens.accessToken}` },
        payload: { code: 'c'.repeat(43) },
      });
    expect((await inspect('10.2.0.1')).statusCode).toBe(404);
    expectLimited(await inspect('10.2.0.2'));
  });
});
