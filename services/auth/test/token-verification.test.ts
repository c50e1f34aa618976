import { AuthClient, DeviceIdentity } from '@sanctum/client';
import { AuthEventsFollower, RevocationList, TokenVerifier } from '@sanctum/kernel';
import type { AuthEvent, Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthTables } from '../src/store/tables.js';
import { INTERNAL_TOKEN, TestClock, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';
import { hs256Copy, unsignedCopy } from './support/forged-tokens.js';
import { eventually } from './support/poll.js';

interface Jwks { keys: { kid: string; x: string }[] }

describe.each(testEngines())('access tokens against the kernel verifier and follower on $name', (engine) => {
  let database: Database<AuthTables>;
  let auth: AuthUnderTest;
  /** Same database (so the same keys and devices), other audience. */
  let elsewhere: AuthUnderTest;
  /** Same database, clock two hours behind: its tokens are expired on arrival. */
  let past: AuthUnderTest;
  let revocations: RevocationList;
  let follower: AuthEventsFollower;
  const applied: AuthEvent[] = [];
  let verifier: TokenVerifier;

  beforeAll(async () => {
    database = await engine.open<AuthTables>();
    auth = await startAuth({ database, listen: true });
    elsewhere = await startAuth({ database, listen: true, config: { TOKEN_AUDIENCE: 'elsewhere' } });
    past = await startAuth({ database, listen: true, clock: new TestClock(Date.now() - 2 * 3600_000) });
    revocations = new RevocationList(3600);
    follower = new AuthEventsFollower({
      authUrl: auth.url,
      internalToken: INTERNAL_TOKEN,
      loadCursor: async () => 0,
      applyBatch: async (events) => {
        applied.push(...events);
      },
      revocations,
      waitMs: 5000,
      retryDelayMs: 50,
    });
    follower.start();
    verifier = new TokenVerifier({ jwksUrl: `${auth.url}/.well-known/jwks.json`, issuer: 'sanctum-auth', audience: 'sanctum', revocations });
  });
  afterAll(async () => {
    await follower.stop();
    await Promise.all([auth.close(), elsewhere.close(), past.close()]);
    await database.close();
  });

  async function signedUp() {
    const identity = DeviceIdentity.generate();
    const tokens = await auth.client.createAccount({ identity });
    return { identity, tokens };
  }

  it('accepts Auth’s tokens, with the account, device and session as claims', async () => {
    const { tokens } = await signedUp();
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as Jwks;
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const claims = await verifier.verify(tokens.accessToken);
    expect(claims).toMatchObject({ accountId: tokens.accountId, deviceId: tokens.deviceId, sessionId: tokens.sessionId });
    expect(claims.expiresAt * 1000).toBe(tokens.accessTokenExpiresAt);
  });

  it('refuses alg none, HS256, a wrong audience and an expired token, in the verifier and on Auth', async () => {
    const { identity, tokens } = await signedUp();
    const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as Jwks;
    const other = await new AuthClient(elsewhere.url).signIn({ identity, deviceId: tokens.deviceId });
    const expired = await new AuthClient(past.url).signIn({ identity, deviceId: tokens.deviceId });
    const forged = {
      none: unsignedCopy(tokens.accessToken),
      hs256: await hs256Copy(tokens.accessToken, jwks.keys[0]!.x),
      audience: other.accessToken,
      expired: expired.accessToken,
    };
    const expectations = { none: 'AUTH_TOKEN_INVALID', hs256: 'AUTH_TOKEN_INVALID', audience: 'AUTH_TOKEN_INVALID', expired: 'AUTH_TOKEN_EXPIRED' };
    for (const [name, token] of Object.entries(forged)) {
      const code = expectations[name as keyof typeof expectations];
      await expect(verifier.verify(token), name).rejects.toMatchObject({ code, statusCode: 401 });
      const response = await auth.app.inject({ url: '/v1/account', headers: { authorization: `Bearer ${token}` } });
      expect(response.statusCode, name).toBe(401);
      expect(response.json(), name).toMatchObject({ error: { code } });
    }
    const missing = await auth.app.inject({ url: '/v1/account' });
    expect(missing.json()).toMatchObject({ error: { code: 'AUTH_TOKEN_MISSING' } });
  });

  it('delivers device.added, device.removed and session.revoked to the follower, and the verifier then refuses', async () => {
    const { identity, tokens } = await signedUp();
    const second = DeviceIdentity.generate();
    const link = await auth.client.requestLink({ identity: second, deviceName: 'phone' });
    await auth.client.approveLink({ ...tokens, identity, code: link.code });
    const phone = await auth.client.completeLink({ identity: second, link });
    await verifier.verify(phone.accessToken);
    await verifier.verify(tokens.accessToken);

    await eventually(() => applied.some((e) => e.type === 'device.added' && e.deviceId === phone.deviceId), 'device.added');
    const added = applied.find((e) => e.type === 'device.added' && e.deviceId === phone.deviceId);
    expect(added).toMatchObject({ accountId: tokens.accountId, identityKey: second.publicKeyBase64url });

    await auth.client.removeDevice(tokens.accessToken, phone.deviceId);
    await eventually(() => applied.some((e) => e.type === 'device.removed' && e.deviceId === phone.deviceId), 'device.removed');
    await expect(verifier.verify(phone.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });

    await auth.client.logout(tokens.accessToken);
    await eventually(() => applied.some((e) => e.type === 'session.revoked' && e.sessionId === tokens.sessionId), 'session.revoked');
    await expect(verifier.verify(tokens.accessToken)).rejects.toMatchObject({ code: 'AUTH_TOKEN_REVOKED' });
    const seqs = applied.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('loads the revocation snapshot in a follower that starts later', async () => {
    const { tokens } = await signedUp();
    await auth.client.logout(tokens.accessToken);
    const fresh = new RevocationList(3600);
    const late = new AuthEventsFollower({
      authUrl: auth.url,
      internalToken: INTERNAL_TOKEN,
      // A consumer that is already up to date only needs the snapshot for revocations.
      loadCursor: async () => Number.MAX_SAFE_INTEGER - 1,
      applyBatch: async () => undefined,
      revocations: fresh,
      waitMs: 1000,
    });
    late.start();
    try {
      await eventually(() => fresh.isRevoked({ accountId: 'x', deviceId: 'x', sessionId: tokens.sessionId }), 'snapshot');
    } finally {
      await late.stop();
    }
  });

  it('wakes a waiting long poll when an event commits', async () => {
    const seen: AuthEvent[] = [];
    const waiting = new AuthEventsFollower({
      authUrl: auth.url,
      internalToken: INTERNAL_TOKEN,
      loadCursor: async () => 0,
      applyBatch: async (events) => {
        seen.push(...events);
      },
      waitMs: 20_000,
    });
    const caughtUp = waiting.waitUntilCaughtUp();
    waiting.start();
    try {
      await caughtUp;
      const before = seen.length;
      const started = Date.now();
      await signedUp();
      await eventually(() => seen.length > before, 'the woken poll', 25_000);
      // The poll waits up to 20 s; arriving well before that means the commit woke it.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await waiting.stop();
    }
  });
});
