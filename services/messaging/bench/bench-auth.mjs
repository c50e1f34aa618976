/* global Buffer, clearTimeout */
// A stand-in for Auth during the benchmark: serves the JWKS and the internal
// event feed (the contract in packages/kernel/src/events/auth-events.contract.ts)
// and signs access tokens shaped exactly like Auth's.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export async function startBenchAuth(internalToken) {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = `bench-${randomUUID()}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] };
  const events = [];
  const waiters = new Set();
  const emit = (event) => {
    events.push({ seq: events.length + 1, occurredAt: Date.now(), ...event });
    for (const wake of [...waiters]) wake();
    waiters.clear();
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (status, body) => {
      if (!response.writableEnded) response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/jwks.json') return json(200, jwks);
    if (request.headers['x-internal-token'] !== internalToken) return json(403, { error: { code: 'AUTH_INTERNAL_FORBIDDEN', message: 'no' } });
    if (url.pathname === '/internal/v1/revocations') return json(200, { revocations: [] });
    if (url.pathname === '/internal/v1/events') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const answer = () => {
        const batch = events.filter((e) => e.seq > after).slice(0, limit);
        json(200, { events: batch, cursor: batch.at(-1)?.seq ?? after });
      };
      const waitMs = Number(url.searchParams.get('waitMs') ?? 0);
      if (events.length > after || waitMs === 0) return answer();
      const timer = setTimeout(() => {
        waiters.delete(answer);
        answer();
      }, waitMs);
      waiters.add(() => {
        clearTimeout(timer);
        answer();
      });
      return undefined;
    }
    return json(404, { error: { code: 'REQ_NOT_FOUND', message: 'no' } });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    get lastSeq() {
      return events.length;
    },
    /** An account with `count` devices; each device has a long-lived token. */
    async account(count) {
      const accountId = randomUUID();
      emit({ type: 'account.created', accountId });
      const devices = [];
      for (let i = 0; i < count; i++) {
        const deviceId = randomUUID();
        emit({ type: 'device.added', accountId, deviceId, identityKey: Buffer.alloc(32, 1).toString('base64url') });
        const now = Math.floor(Date.now() / 1000);
        const token = await new SignJWT({ did: deviceId, sid: randomUUID() })
          .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
          .setSubject(accountId)
          .setIssuer('sanctum-auth')
          .setAudience('sanctum')
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .setJti(randomUUID())
          .sign(privateKey);
        devices.push({ deviceId, token });
      }
      return { accountId, devices };
    },
    close: () => {
      for (const wake of [...waiters]) wake();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
