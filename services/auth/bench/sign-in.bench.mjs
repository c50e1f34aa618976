// Complete sign-ins per second against one Auth process over real HTTP on loopback:
// POST /v1/sessions/challenge, sign the nonce (Ed25519), POST /v1/sessions → access + refresh token.
// Closed loop with BENCH_CONCURRENCY sign-ins in flight. Run after `npm run build`: npm run bench -w services/auth
// For context it also reports the disk's durable commits/s and GET /healthz requests/s with the same client
// (a sign-in is two requests, so healthz/2 bounds what any sign-in logic could reach on this machine).
import { generateKeyPairSync, sign } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { authMessages } from '@sanctum/client';
import { cpuSeconds, diskCommitsPerSecond, machine, percentile, request, startAuth } from './bench-support.mjs';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);

function signed(privateKey, message) {
  return sign(null, message, privateKey).toString('base64url');
}

async function enrol(port) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const identityKey = publicKey.export({ format: 'jwk' }).x;
  const challenge = await request(port, 'POST', '/v1/accounts/challenge', { identityKey });
  const created = await request(port, 'POST', '/v1/accounts', {
    identityKey,
    nonce: challenge.body.nonce,
    signature: signed(privateKey, authMessages.createAccount(challenge.body.nonce, identityKey)),
  });
  if (created.status !== 201) throw new Error(`account creation answered ${created.status}`);
  return { deviceId: created.body.deviceId, privateKey };
}

async function signIn(port, device) {
  const challenge = await request(port, 'POST', '/v1/sessions/challenge', { deviceId: device.deviceId });
  const answer = await request(port, 'POST', '/v1/sessions', {
    deviceId: device.deviceId,
    nonce: challenge.body.nonce,
    signature: signed(device.privateKey, authMessages.signIn(challenge.body.nonce, device.deviceId)),
  });
  if (answer.status !== 201 || typeof answer.body.accessToken !== 'string') throw new Error(`sign-in answered ${answer.status}`);
}

/** The same closed loop against GET /healthz: what this machine's HTTP stack does with no Auth logic at all. */
async function calibrate(port, seconds) {
  let count = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await request(port, 'GET', '/healthz');
        count += 1;
      }
    }),
  );
  return Math.round(count / ((performance.now() - started) / 1000));
}

async function run(port, devices, seconds) {
  const latencies = [];
  let errors = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const device = devices[next++ % devices.length];
      const started = performance.now();
      try {
        await signIn(port, device);
        latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { latencies, errors, elapsedS: (performance.now() - started) / 1000 };
}

const auth = await startAuth();
try {
  const devices = [];
  for (let i = 0; i < DEVICES; i += 1) devices.push(await enrol(auth.port));
  await run(auth.port, devices, WARMUP_S);
  const cpuBefore = cpuSeconds(auth.pid);
  const clientBefore = process.cpuUsage();
  const { latencies, errors, elapsedS } = await run(auth.port, devices, DURATION_S);
  const cpuAfter = cpuSeconds(auth.pid);
  const client = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  const result = {
    benchmark: 'auth.sign-in',
    machine: machine(),
    cpus: os.cpus().length,
    loadAverage: os.loadavg()[0].toFixed(2),
    concurrency: CONCURRENCY,
    durationS: Number(elapsedS.toFixed(1)),
    signInsPerS: Math.round(latencies.length / elapsedS),
    errors,
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    authCpuPercent: cpuBefore === undefined ? null : Math.round(((cpuAfter - cpuBefore) / elapsedS) * 100),
    authCpuMsPerSignIn: cpuBefore === undefined ? null : Number((((cpuAfter - cpuBefore) * 1000) / latencies.length).toFixed(2)),
    loadGeneratorCpuMsPerSignIn: Number(((client.user + client.system) / 1000 / latencies.length).toFixed(2)),
    diskCommitsPerS: await diskCommitsPerSecond(),
    healthzRequestsPerS: await calibrate(auth.port, 3),
    target: 2000,
  };
  console.log(JSON.stringify(result));
} finally {
  await auth.stop();
}
