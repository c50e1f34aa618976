// Verifications per second of the kernel's TokenVerifier (the plugin Directory and Messaging use):
// cold = every token verified for the first time (signature, claims, typ, alg), hot = tokens seen before (cache).
// Keys come from a JWKS URL as in production. Run after `npm run build`: npm run bench -w services/auth
import { Buffer } from 'node:buffer';
import { createPublicKey, verify } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { RevocationList, TokenVerifier } from '@sanctum/kernel';
import { TestTokenIssuer } from '@sanctum/kernel/testing';
import { freePort, machine } from './bench-support.mjs';

const COLD_TOKENS = Number(process.env.BENCH_COLD_TOKENS ?? 20_000);
const HOT_SECONDS = Number(process.env.BENCH_HOT_S ?? 5);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 64);

const issuer = await TestTokenIssuer.create();
const port = await freePort();
const jwksServer = http.createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(issuer.jwks));
});
await new Promise((resolve) => jwksServer.listen(port, '127.0.0.1', resolve));

// Realistic revocation state: a thousand recent revocations that these tokens do not match.
const revocations = new RevocationList(3600);
for (let i = 0; i < 1000; i += 1) revocations.revoke('session', `revoked-${i}`);
const makeVerifier = () =>
  new TokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, issuer: 'sanctum-auth', audience: 'sanctum', revocations, cacheSize: 200_000 });

const tokens = [];
for (let i = 0; i < COLD_TOKENS; i += 1) tokens.push(await issuer.issue({ ttlS: 3600 }));

async function timed(work) {
  const started = performance.now();
  const count = await work();
  return Math.round(count / ((performance.now() - started) / 1000));
}

try {
  // Cold, one at a time (a single request's latency view).
  const sequential = makeVerifier();
  await sequential.verify(tokens[0]); // fetch the JWKS once, outside the timing
  const seqCount = Math.min(5000, tokens.length - 1);
  const coldSequential = await timed(async () => {
    for (let i = 1; i <= seqCount; i += 1) await sequential.verify(tokens[i]);
    return seqCount;
  });

  // Cold, PARALLEL in flight (a busy server: jose verifies through WebCrypto on the thread pool).
  const parallel = makeVerifier();
  await parallel.verify(tokens[0]);
  const coldParallel = await timed(async () => {
    for (let i = 1; i < tokens.length; i += PARALLEL) await Promise.all(tokens.slice(i, i + PARALLEL).map((t) => parallel.verify(t)));
    return tokens.length - 1;
  });

  // Hot: the same tokens again, now cached until they expire; the revocation check still runs every time.
  const hot = await timed(async () => {
    let count = 0;
    const end = performance.now() + HOT_SECONDS * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 1000; i += 1) await parallel.verify(tokens[(count + i) % tokens.length]);
      count += 1000;
    }
    return count;
  });

  // Ceiling: the bare Ed25519 signature check with node:crypto, nothing else, one core.
  const publicKey = createPublicKey({ key: issuer.jwks.keys[0], format: 'jwk' });
  const rawCount = Math.min(5000, tokens.length);
  const rawEd25519 = await timed(async () => {
    for (let i = 0; i < rawCount; i += 1) {
      const [header, payload, signature] = tokens[i].split('.');
      verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'));
    }
    return rawCount;
  });

  console.log(
    JSON.stringify({
      benchmark: 'kernel.token-verifier',
      machine: machine(),
      cpus: os.cpus().length,
      loadAverage: os.loadavg()[0].toFixed(2),
      hotPerS: hot,
      coldSequentialPerS: coldSequential,
      coldParallelPerS: coldParallel,
      parallel: PARALLEL,
      rawEd25519VerifyPerS: rawEd25519,
      targets: { hot: 50_000, cold: 10_000 },
    }),
  );
} finally {
  jwksServer.close();
}
