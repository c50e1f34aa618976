import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, loadAuthConfig } from '@sanctum/auth';
import type { SanctumApp } from '@sanctum/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, DeviceIdentity, SanctumApiError, generateRecoverySecret } from '../../src/index.js';
import type { TokenSet } from '../../src/index.js';

describe('AuthClient and Session against a running Auth', () => {
  let app: SanctumApp;
  let auth: AuthClient;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sdk-auth-'));
    const config = loadAuthConfig({ SANCTUM_INTERNAL_TOKEN: 'sdk-test-internal-token-0123456789', DATA_DIR: dataDir, LOG_LEVEL: 'silent', RECOVERY_SCRYPT_COST: '1024' });
    app = await buildApp({ config, logger: false });
    auth = new AuthClient(await app.listen({ host: '127.0.0.1', port: 0 }));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('walks through every account, device, session, link and recovery call', async () => {
    const laptop = DeviceIdentity.generate();
    const secret = generateRecoverySecret();
    const first = await auth.createAccount({ identity: laptop, deviceName: 'laptop', recoverySecret: secret });
    const again = await auth.signIn({ identity: laptop, deviceId: first.deviceId });
    expect(await auth.account(again.accessToken)).toMatchObject({ accountId: first.accountId, recoveryEnabled: true });
    await auth.setRecoverySecret(again.accessToken, secret);

    const phone = DeviceIdentity.generate();
    const link = await auth.requestLink({ identity: phone, deviceName: 'phone' });
    expect(await auth.inspectLink(again.accessToken, link.code)).toMatchObject({ deviceName: 'phone', approved: false });
    expect(await auth.approveLink({ ...again, identity: laptop, code: link.code })).toMatchObject({ approved: true });
    const linked = await auth.waitForLink({ identity: phone, link, pollMs: 10 });
    const renamed = await auth.renameDevice(again.accessToken, linked.deviceId, 'old phone');
    expect(renamed.name).toBe('old phone');
    expect((await auth.listDevices(again.accessToken)).map((d) => d.name)).toEqual(['laptop', 'old phone']);
    const sessions = await auth.listSessions(again.accessToken);
    expect(sessions.map((s) => s.sessionId)).toContain(linked.sessionId);
    await auth.revokeSession(again.accessToken, first.sessionId);
    await auth.removeDevice(again.accessToken, linked.deviceId);
    expect((await auth.refresh(again.refreshToken)).sessionId).toBe(again.sessionId);

    const replacement = DeviceIdentity.generate();
    const nextSecret = generateRecoverySecret();
    const interim = await auth.recover({ accountId: first.accountId, recoverySecret: secret, identity: DeviceIdentity.generate(), deviceName: 'new', newRecoverySecret: nextSecret });
    expect((await auth.listDevices(interim.accessToken)).map((d) => d.name)).toEqual(['new']);
    const recovered = await auth.recover({ accountId: first.accountId, recoverySecret: nextSecret, identity: replacement });
    expect((await auth.listDevices(recovered.accessToken)).map((d) => d.name)).toEqual(['Device']);
    await auth.deleteAccount({ ...recovered, identity: replacement });
    await expect(auth.account(recovered.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
  });

  it('hands out the current access token while it is fresh', async () => {
    const tokens = await auth.createAccount({ identity: DeviceIdentity.generate() });
    const session = auth.session(tokens);
    expect(await session.accessToken()).toBe(tokens.accessToken);
    expect([session.accountId, session.deviceId, session.sessionId]).toEqual([tokens.accountId, tokens.deviceId, tokens.sessionId]);
  });

  it('refreshes once for concurrent callers when the token is about to expire, and reports new tokens', async () => {
    const tokens = await auth.createAccount({ identity: DeviceIdentity.generate() });
    const saved: TokenSet[] = [];
    // A clock just past the refresh margin makes the token look nearly expired.
    const session = auth.session(tokens, { now: () => tokens.accessTokenExpiresAt - 1000, onTokens: (t) => saved.push(t) });
    const [a, b, c] = await Promise.all([session.accessToken(), session.accessToken(), session.accessToken()]);
    expect(new Set([a, b, c]).size).toBe(1);
    expect(saved).toHaveLength(1);
    expect(session.tokens.refreshToken).not.toBe(tokens.refreshToken);
    expect(session.tokens.sessionId).toBe(tokens.sessionId);
    // The session was not revoked by a double spend: the new refresh token still works.
    expect((await session.refresh()).sessionId).toBe(tokens.sessionId);
  });

  it('logs out, after which its tokens are refused', async () => {
    const tokens = await auth.createAccount({ identity: DeviceIdentity.generate() });
    const session = auth.session(tokens);
    await session.logout();
    const error = await auth.account(tokens.accessToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SanctumApiError);
    expect(error).toMatchObject({ status: 401, code: 'AUTH_TOKEN_REVOKED' });
  });

  it('stops waiting for a link when asked to, and passes other errors through', async () => {
    const identity = DeviceIdentity.generate();
    const link = await auth.requestLink({ identity });
    const controller = new AbortController();
    const waiting = auth.waitForLink({ identity, link, pollMs: 10, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toThrow();
    const unknown = { ...link, code: 'x'.repeat(43) };
    await expect(auth.waitForLink({ identity, link: unknown, pollMs: 10 })).rejects.toMatchObject({ code: 'AUTH_LINK_NOT_FOUND' });
  });

  it('accepts an HttpClient of the caller’s own', () => {
    expect(new AuthClient(auth.http).http).toBe(auth.http);
  });
});
