import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, RevocationList, TokenVerifier, createServer, installAuthentication, requireInternalToken, bearerToken } from '@sanctum/kernel';
import { TestTokenIssuer, testServiceConfig } from '@sanctum/kernel/testing';

const options = { issuer: 'sanctum-auth', audience: 'sanctum' };

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('TokenVerifier', () => {
  it('accepts a token of Auth shape and returns its claims', async () => {
    const issuer = await TestTokenIssuer.create();
    const verifier = new TokenVerifier({ ...options, keySet: issuer.keySet });
    const token = await issuer.issue({ accountId: 'acc-1', deviceId: 'dev-1', sessionId: 'ses-1' });
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ accountId: 'acc-1', deviceId: 'dev-1', sessionId: 'ses-1' });
    expect(claims.expiresAt).toBeGreaterThan(Date.now() / 1000);
    // Second time from the cache: same claims.
    expect(await verifier.verify(token)).toBe(claims);
  });

  it('refuses alg none, HS256, a wrong audience or issuer, a wrong type and an expired token', async () => {
    const issuer = await TestTokenIssuer.create();
    const verifier = new TokenVerifier({ ...options, keySet: issuer.keySet });
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'a', did: 'd', sid: 's' };

    const none = new UnsecuredJWT(claims).setIssuer('sanctum-auth').setAudience('sanctum').setIssuedAt().setExpirationTime('5m').setJti('j').encode();
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: issuer.kid, typ: 'at+jwt' })
      .setIssuer('sanctum-auth').setAudience('sanctum').setIssuedAt().setExpirationTime('5m').setJti('j')
      .sign(new TextEncoder().encode('a shared secret that must not work'));
    const wrongAudience = await issuer.issue({ audience: 'someone-else' });
    const wrongIssuer = await issuer.issue({ issuer: 'evil' });
    const expired = await issuer.issue({ issuedAt: now - 3600, ttlS: 60 });

    for (const token of [none, hs256, wrongAudience, wrongIssuer]) {
      const error = await rejection(verifier.verify(token));
      expect([error.statusCode, error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    }
    const error = await rejection(verifier.verify(expired));
    expect([error.statusCode, error.code]).toEqual([401, 'AUTH_TOKEN_EXPIRED']);
    expect((await rejection(verifier.verify('not.a.jwt'))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses a token without device or session claims', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
    const { createLocalJWKSet } = await import('jose');
    const verifier = new TokenVerifier({ ...options, keySet: createLocalJWKSet({ keys: [jwk] }) });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
      .setSubject('a').setIssuer('sanctum-auth').setAudience('sanctum').setIssuedAt().setExpirationTime('5m').setJti('j')
      .sign(privateKey);
    expect((await rejection(verifier.verify(token))).code).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses tokens of revoked sessions, devices and accounts, even when cached', async () => {
    const issuer = await TestTokenIssuer.create();
    const revocations = new RevocationList(3600);
    const verifier = new TokenVerifier({ ...options, keySet: issuer.keySet, revocations });
    const token = await issuer.issue({ accountId: 'a', deviceId: 'd', sessionId: 's' });
    await verifier.verify(token);
    revocations.revoke('session', 's');
    expect((await rejection(verifier.verify(token))).code).toBe('AUTH_TOKEN_REVOKED');
    const other = await issuer.issue({ accountId: 'a2', deviceId: 'd2', sessionId: 's2' });
    revocations.revoke('device', 'd2');
    expect((await rejection(verifier.verify(other))).code).toBe('AUTH_TOKEN_REVOKED');
    const third = await issuer.issue({ accountId: 'a3' });
    revocations.revoke('account', 'a3');
    expect((await rejection(verifier.verify(third))).code).toBe('AUTH_TOKEN_REVOKED');
  });

  it('forgets the oldest cached token beyond the cache size and re-checks expiry', async () => {
    const issuer = await TestTokenIssuer.create();
    let now = Math.floor(Date.now() / 1000);
    const verifier = new TokenVerifier({ ...options, keySet: issuer.keySet, cacheSize: 1, nowS: () => now });
    const first = await issuer.issue({ ttlS: 60 });
    const second = await issuer.issue({ ttlS: 60 });
    const claims = await verifier.verify(first);
    await verifier.verify(second);
    expect(await verifier.verify(first)).not.toBe(claims); // evicted, verified again
    now += 120;
    expect((await rejection(verifier.verify(first))).code).toBe('AUTH_TOKEN_EXPIRED');
  });

  it('fetches the JWKS over HTTP and again when a token names an unknown kid', async () => {
    const first = await TestTokenIssuer.create();
    const second = await TestTokenIssuer.create();
    let published = first.jwks;
    let fetches = 0;
    const server = createHttpServer((_request, response) => {
      fetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(published));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => { resolve(); })));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const verifier = new TokenVerifier({ ...options, jwksUrl: url, jwksCooldownMs: 50 });

    await verifier.verify(await first.issue());
    expect(fetches).toBe(1);
    published = { keys: [...first.jwks.keys, ...second.jwks.keys] }; // rotation: a new key appears
    await new Promise((r) => setTimeout(r, 100)); // past the refetch cooldown
    await verifier.verify(await second.issue());
    expect(fetches).toBe(2);
  });

  it('answers 503 when the JWKS cannot be fetched', async () => {
    const issuer = await TestTokenIssuer.create();
    const verifier = new TokenVerifier({ ...options, jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json' });
    const error = await rejection(verifier.verify(await issuer.issue()));
    expect([error.statusCode, error.code]).toEqual([503, 'AUTH_KEYS_UNAVAILABLE']);
  });

  it('needs a key source', () => {
    expect(() => new TokenVerifier(options)).toThrow(/jwksUrl or keySet/);
  });
});

describe('RevocationList', () => {
  it('forgets revocations once no token they match can still be valid', () => {
    let now = 1000;
    const list = new RevocationList(600, () => now);
    list.revoke('session', 's1');
    list.revoke('session', 's1', 900); // an older record never shortens the memory
    expect(list.isRevoked({ accountId: 'a', deviceId: 'd', sessionId: 's1' })).toBe(true);
    expect(list.size).toBe(1);
    now = 1599;
    expect(list.prune()).toBe(1);
    now = 1600;
    expect(list.prune()).toBe(0);
    expect(list.isRevoked({ accountId: 'a', deviceId: 'd', sessionId: 's1' })).toBe(false);
  });
});

describe('installAuthentication', () => {
  it('puts verified claims on the request and answers 401 with WWW-Authenticate otherwise', async () => {
    const issuer = await TestTokenIssuer.create();
    const app = await createServer({ service: 't', description: 't', config: testServiceConfig(), logger: false });
    closers.push(() => app.close());
    installAuthentication(app, new TokenVerifier({ ...options, keySet: issuer.keySet }));
    app.get('/v1/me', { onRequest: app.authenticate }, async (request) => ({ account: request.auth.accountId }));
    app.get('/v1/open', async (request) => {
      try {
        return { account: request.auth.accountId };
      } catch {
        return { account: null };
      }
    });

    const token = await issuer.issue({ accountId: 'acc-9' });
    const ok = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect([ok.statusCode, ok.json()]).toEqual([200, { account: 'acc-9' }]);
    const missing = await app.inject({ method: 'GET', url: '/v1/me' });
    expect([missing.statusCode, missing.json().error.code, missing.headers['www-authenticate']]).toEqual([401, 'AUTH_TOKEN_MISSING', 'Bearer']);
    const bad = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
    expect(bad.headers['www-authenticate']).toContain('invalid_token');
    expect((await app.inject({ method: 'GET', url: '/v1/open' })).json()).toEqual({ account: null });
  });

  it('parses only well-formed bearer headers', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
  });
});

describe('requireInternalToken', () => {
  it('admits only callers presenting the shared service token', async () => {
    const app = await createServer({ service: 't', description: 't', config: testServiceConfig(), logger: false });
    closers.push(() => app.close());
    app.get('/internal/v1/thing', { onRequest: requireInternalToken('s'.repeat(32)) }, async () => ({ ok: true }));
    const ok = await app.inject({ method: 'GET', url: '/internal/v1/thing', headers: { 'x-internal-token': 's'.repeat(32) } });
    expect(ok.statusCode).toBe(200);
    for (const headers of [{}, { 'x-internal-token': 'short' }, { 'x-internal-token': 't'.repeat(32) }]) {
      const refused = await app.inject({ method: 'GET', url: '/internal/v1/thing', headers });
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'AUTH_INTERNAL_FORBIDDEN']);
    }
  });
});
