// Directory benchmark: one Directory process (the built dist/main.js) over real
// HTTP on loopback, driven by autocannon from this process.
//   handle lookups/s                  target >= 10,000
//   bundle fetches consuming a key/s  target >= 2,000
// Auth is stood in for by a small HTTP server here (JWKS + event feed), exactly
// as services/directory/test/helpers/fake-auth-feed.ts does in the tests.
//
// Run after `npm run build`:  npm run bench -w services/directory
// Options (environment): BENCH_DURATION_S (10), BENCH_CONNECTIONS (32),
// BENCH_DATABASE_URL (a postgres:// URL instead of the embedded SQLite file),
// BENCH_LOG_LEVEL (info, the service default), BENCH_NODE_ARGS (extra node
// flags for the Directory process, e.g. --cpu-prof), BENCH_ROUNDS (1: how many
// times the healthz/lookup pair alternates, so a shared machine's drift shows),
// BENCH_PHASES (healthz,lookups,bundles: a subset, e.g. for a profile of one).
/* global fetch */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TestTokenIssuer } from '@sanctum/kernel/testing';

const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
const databaseUrl = process.env.BENCH_DATABASE_URL;
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const phases = new Set((process.env.BENCH_PHASES ?? 'healthz,lookups,bundles').split(',').map((p) => p.trim()));
const ACCOUNTS = 200;
const KEY_TARGETS = 20;
const KEYS_PER_TARGET = 5000;
const INTERNAL_TOKEN = randomBytes(32).toString('hex');
const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Auth's JWKS and internal event feed, enough for the Directory to verify tokens and learn devices. */
async function startFakeAuth(issuer) {
  const events = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let body;
    if (url.pathname === '/.well-known/jwks.json') body = issuer.jwks;
    else if (request.headers['x-internal-token'] !== INTERNAL_TOKEN) return void response.writeHead(403).end();
    else if (url.pathname === '/internal/v1/revocations') body = { revocations: [] };
    else if (url.pathname === '/internal/v1/events') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const batch = events.slice(after, after + limit);
      body = { events: batch, cursor: batch.at(-1)?.seq ?? after };
      // Long polls answer at once when empty; the follower simply asks again a little later.
      if (batch.length === 0) return void globalThis.setTimeout(() => send(response, body), 200);
    } else return void response.writeHead(404).end();
    send(response, body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    addDevice(accountId, deviceId, identityKey) {
      events.push({ seq: events.length + 1, type: 'device.added', accountId, deviceId, identityKey, occurredAt: Date.now() });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

function send(response, body) {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function call(base, method, path, token, body) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function newDevice() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  const signed = (keyId) => {
    const key = randomBytes(32);
    return { keyId, publicKey: key.toString('base64url'), signature: sign(null, key, privateKey).toString('base64url') };
  };
  return { accountId: randomUUID(), deviceId: randomUUID(), identityKey: raw.toString('base64url'), signed };
}

/**
 * CPU seconds the Directory process has used (Linux /proc; null elsewhere).
 * The machine is shared, so requests per CPU second tell the service's own
 * cost apart from the time it spent waiting for a core.
 */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the stat line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function measured(pid, title, options) {
  const before = cpuSecondsOf(pid);
  const result = await run(title, options);
  const after = cpuSecondsOf(pid);
  const cpuSeconds = before === null || after === null ? null : Math.round((after - before) * 100) / 100;
  return { result, cpuSeconds };
}

function run(title, options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections, duration: durationS, pipelining: 1, ...options }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    instance.on('error', reject);
    process.stderr.write(`running: ${title} (${durationS} s, ${connections} connections)\n`);
  });
}

function summary({ result, cpuSeconds }) {
  const ok = result['2xx'];
  return {
    okPerSecond: Math.round(ok / (result.duration || durationS)),
    serviceCpuSeconds: cpuSeconds,
    okPerServiceCpuSecond: cpuSeconds ? Math.round(ok / cpuSeconds) : null,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  };
}

async function main() {
  const issuer = await TestTokenIssuer.create();
  const auth = await startFakeAuth(issuer);
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctum-dir-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...nodeArgs, mainJs], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
      AUTH_URL: auth.url,
      SANCTUM_INTERNAL_TOKEN: INTERNAL_TOKEN,
      LOG_LEVEL: logLevel,
      // The bench measures throughput, not the abuse limits: lift them.
      RATE_LIMIT_MAX: '1000000000',
      LOOKUP_RATE_LIMIT_MAX: '1000000000',
      BUNDLE_RATE_LIMIT_MAX: '1000000000',
      PREKEY_BATCH_MAX: '1000',
      PREKEY_MAX_PER_DEVICE: String(KEYS_PER_TARGET),
    },
  });
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error('the Directory exited during start-up');
      const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      if (i > 300) throw new Error('the Directory did not become ready');
      await sleep(100);
    }

    const devices = Array.from({ length: ACCOUNTS }, newDevice);
    for (const d of devices) {
      auth.addDevice(d.accountId, d.deviceId, d.identityKey);
      d.token = await issuer.issue({ accountId: d.accountId, deviceId: d.deviceId, ttlS: 3600 });
    }
    const last = devices.at(-1);
    for (let i = 0; ; i++) {
      const response = await fetch(`${base}/v1/accounts/${last.accountId}/devices`, { headers: { authorization: `Bearer ${last.token}` } });
      if (response.ok) break;
      if (i > 300) throw new Error('devices were not replicated');
      await sleep(100);
    }
    for (const [i, d] of devices.entries()) await call(base, 'PUT', '/v1/handle', d.token, { handle: `bench_user_${i}` });
    // Only the bundle phase needs key material.
    const targets = phases.has('bundles') ? devices.slice(0, KEY_TARGETS) : [];
    for (const d of targets) {
      for (let first = 0; first < KEYS_PER_TARGET; first += 1000) {
        const oneTimePreKeys = Array.from({ length: 1000 }, (_, k) => ({ keyId: first + k, publicKey: randomBytes(32).toString('base64url') }));
        const body = { identityKey: d.identityKey, oneTimePreKeys, ...(first === 0 ? { signedPreKey: d.signed(1_000_000), lastResortPreKey: d.signed(1_000_001) } : {}) };
        await call(base, 'PUT', '/v1/keys', d.token, body);
      }
    }

    // Baseline: a route that does nothing (no auth, no log line, no database) shows what the machine allows right now.
    // With BENCH_ROUNDS > 1 the baseline and the lookups alternate, so both see the same machine.
    const baselines = [];
    const lookupRuns = [];
    let n = 0;
    for (let round = 0; round < rounds; round++) {
      if (phases.has('healthz')) baselines.push(await measured(child.pid, 'baseline GET /healthz', { url: `${base}/healthz` }));
      if (!phases.has('lookups')) continue;
      lookupRuns.push(
        await measured(child.pid, 'handle lookups', {
          url: base,
          requests: [
            {
              method: 'GET',
              setupRequest: (request) => {
                const i = n++;
                const requester = devices[i % ACCOUNTS];
                return { ...request, path: `/v1/handles/bench_user_${(i * 7) % ACCOUNTS}`, headers: { authorization: `Bearer ${requester.token}` } };
              },
            },
          ],
        }),
      );
    }

    let m = 0;
    const bundles = !phases.has('bundles')
      ? undefined
      : await measured(child.pid, 'bundle fetches', {
          url: base,
          requests: [
            {
              method: 'POST',
              setupRequest: (request) => {
                const i = m++;
                const requester = devices[KEY_TARGETS + (i % (ACCOUNTS - KEY_TARGETS))];
                const target = targets[i % KEY_TARGETS];
                return {
                  ...request,
                  path: `/v1/accounts/${target.accountId}/bundle`,
                  headers: { authorization: `Bearer ${requester.token}`, 'content-type': 'application/json' },
                  body: '{}',
                };
              },
            },
          ],
        });

    // Every 2xx must have consumed a one-time key: what is left must add up, and no target may have run dry.
    let left = 0;
    for (const d of targets) {
      const counts = await call(base, 'GET', '/v1/keys/counts', d.token);
      if (counts.oneTimePreKeys === 0) throw new Error('a target ran out of one-time keys: pre-load more');
      left += counts.oneTimePreKeys;
    }
    const consumed = targets.length * KEYS_PER_TARGET - left;
    // One run reads as before; several are listed in order (healthz and lookups alternated).
    const one = (runs) => (runs.length === 1 ? summary(runs[0]) : { runs: runs.map(summary) });
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      engine: databaseUrl === undefined ? 'sqlite' : 'postgres',
      logLevel,
      durationS,
      connections,
      ...(baselines.length === 0 ? {} : { baselineHealthz: one(baselines) }),
      ...(lookupRuns.length === 0 ? {} : { handleLookups: { ...one(lookupRuns), target: 10_000 } }),
      ...(bundles === undefined ? {} : { bundleFetches: { ...summary(bundles), consumedOneTimeKeys: consumed, target: 2_000 } }),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    // Requests still in flight when the run ends are served but not counted: at most one per connection.
    const served = bundles?.result['2xx'] ?? 0;
    if (consumed < served || consumed > served + (bundles === undefined ? 0 : connections)) {
      throw new Error(`consumed ${consumed} one-time keys for ${served} bundles`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
    await auth.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
