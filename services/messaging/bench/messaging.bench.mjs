/* global Buffer, fetch, setInterval, clearInterval, setImmediate */
// Messaging benchmark, all parts in one run against the compiled service (dist/):
//   1. authenticated 1 KiB sends/s committed before the 2xx vs a bare Fastify POST route (target >= 20%)
//   2. 64 KiB sends/s vs bare SQLite inserts of 64 KiB blobs, WAL + synchronous=FULL (target >= 70%)
//   3. send-to-delivery latency over WebSocket at 1,000 sends/s, open loop (target p99 <= 20 ms)
//   4. RSS of the Messaging process over a soak at 500 sends/s with acking recipients (target: within 5%)
// Usage: npm run bench -w services/messaging [-- --seconds=20 --rounds=5 --concurrency=128 --soak-minutes=10 --soak-warmup-minutes=3]
//   --profile=DIR  writes V8 CPU profiles of the Messaging processes to DIR (open them in Chrome DevTools)
//   --writer-mode=<adaptive|thread|event-loop>  where the SQLite writes run (WRITER_MODE; default adaptive)
//   --parts=1k,64k,latency,soak  runs only these parts (default: all); e.g. --parts=1k to A/B a send-path change
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import WebSocket from 'ws';
import { startBenchAuth } from './bench-auth.mjs';
import { closedLoop, openLoop, summarize } from './load.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SECONDS = Number(args.seconds ?? 20);
const SOAK_MINUTES = Number(args['soak-minutes'] ?? 10);
// Unmeasured minutes at the soak's rate first: the two threads' heaps and SQLite's caches grow to
// their working size in the first minutes (the smoke soak's RSS settles after ~2 min), and that
// growth is not what "flat over 10 minutes" asks about.
const SOAK_WARMUP_MINUTES = Number(args['soak-warmup-minutes'] ?? 3);
// 128 connections for the throughput comparisons: with group commit a send waits for the next
// commit, so at 64 the service was latency-bound (writer thread ~80% busy, event loop ~55%) and
// the closed loop measured its round trip, not its capacity. The bare route gets the same 128.
const CONCURRENCY = Number(args.concurrency ?? 128);
const ROUNDS = Number(args.rounds ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const INTERNAL_TOKEN = 'bench-internal-token-0123456789abcdef0123';
const log = (...parts) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...parts);

const PROFILE_DIR = args.profile;
const PARTS = new Set((args.parts ?? '1k,64k,latency,soak').split(','));

function startProcess(script, env, execArgv = []) {
  const child = spawn(process.execPath, [...execArgv, script], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return { child, url };
}

/** A port nobody listens on right now (the service logs at warn, so it does not print its address). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14, 15) in USER_HZ ticks of 10 ms
}

const ciphertext = (bytes) => Buffer.alloc(bytes, 0x5a).toString('base64url');

async function waitUntil(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

/** Devices connected over WebSocket that ack every envelope and record delivery latency. */
async function connectRecipients(wsUrl, devices, onEnvelope) {
  return Promise.all(
    devices.map(
      (device) =>
        new Promise((resolve, reject) => {
          const socket = new WebSocket(`${wsUrl}/v1/stream`, { headers: { authorization: `Bearer ${device.token}` } });
          // Acks go out in batches, once per turn of the event loop, as the SDK's MessageStream does.
          let pending = [];
          socket.on('message', (data) => {
            const frame = JSON.parse(data.toString());
            if (frame.type === 'queue_empty') resolve(socket);
            if (frame.type === 'envelope') {
              onEnvelope(frame.envelope);
              if (pending.length === 0) {
                setImmediate(() => {
                  socket.send(`{"type":"ack","ids":[${pending.join(',')}]}`);
                  pending = [];
                });
              }
              pending.push(frame.envelope.id);
            }
          });
          socket.once('error', reject);
        }),
    ),
  );
}

const results = { date: new Date().toISOString(), node: process.version, cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, loadAverage: loadavg(), seconds: SECONDS, rounds: ROUNDS, concurrency: CONCURRENCY };
const dataDir = mkdtempSync(join(tmpdir(), 'sanctum-msg-bench-'));
const auth = await startBenchAuth(INTERNAL_TOKEN);
const children = [];
try {
  // --- the baseline: bare Fastify (kept running: its runs interleave with the service's) --------
  const bare = startProcess(join(here, 'bare-fastify.mjs'), {});
  children.push(bare.child);
  const bareUrl = await bare.url;
  const body1k = JSON.stringify({ clientMessageId: 'x'.repeat(36), envelopes: [{ deviceId: 'd'.repeat(36), ciphertext: ciphertext(1024) }] });
  const bareRun = (seconds) =>
    closedLoop({
      origin: bareUrl,
      concurrency: CONCURRENCY,
      seconds,
      makeRequest: () => ({ path: '/bare', method: 'POST', headers: { 'content-type': 'application/json' }, body: body1k }),
    });

  // --- the Messaging service --------------------------------------------------------------------
  // Senders and recipients: one device each, direct conversations sender i -> recipient i.
  const pairs = 16;
  const senders = await Promise.all(Array.from({ length: pairs }, () => auth.account(1)));
  const recipients = await Promise.all(Array.from({ length: pairs }, () => auth.account(1)));
  const liveRecipients = await Promise.all(Array.from({ length: pairs }, () => auth.account(1)));

  /** Starts the compiled service on its own data folder and waits until its replica knows every device. */
  const launchMessaging = async (folder) => {
    const port = await freePort();
    const started = startProcess(join(here, '..', 'dist', 'main.js'), {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: folder,
      AUTH_URL: auth.url,
      SANCTUM_INTERNAL_TOKEN: INTERNAL_TOKEN,
      // Warn, not info: one log line per request would be measured too, and the bare route logs nothing.
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '1000000000',
      SEND_RATE_MAX: '1000000000',
      QUEUE_MAX_DEPTH: '1000000000',
      WRITER_MODE: args['writer-mode'] ?? 'adaptive',
    }, PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]);
    children.push(started.child);
    started.url.catch(() => undefined); // it logs nothing at warn; the port is known
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true, 'messaging ready');
    await waitUntil(async () => {
      const probe = await fetch(`${base}/v1/direct/${liveRecipients.at(-1).accountId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${senders.at(-1).devices[0].token}` },
      });
      return probe.ok;
    }, 'replica caught up');
    return { child: started.child, url: base, wsUrl: base.replace('http', 'ws') };
  };
  let messaging = await launchMessaging(join(dataDir, 'throughput'));
  let { url, wsUrl } = messaging;

  let counter = 0;
  const sendRequest = (targets, bytes, clientMessageId) => {
    const i = counter++ % pairs;
    const sender = senders[i].devices[0];
    const target = targets[i];
    return {
      path: `/v1/direct/${target.accountId}/messages`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sender.token}` },
      // Concatenated, not JSON.stringify'd: the generator shares the CPU with the service.
      body: `{"clientMessageId":"${clientMessageId ?? `b-${counter}`}","envelopes":[{"deviceId":"${target.devices[0].deviceId}","ciphertext":"${bytes}"}]}`,
    };
  };
  const c1k = ciphertext(1024);
  const c64k = ciphertext(64 * 1024);
  // Warm up (JIT, caches, first direct conversations).
  await closedLoop({ origin: url, concurrency: CONCURRENCY, seconds: 2, makeRequest: () => sendRequest(recipients, c1k) });

  // The machine is shared, so each comparison alternates short runs of both sides and keeps the
  // per-round ratios: a burst of load from elsewhere then hits both sides alike.
  const slice = SECONDS / ROUNDS;
  const rounds1k = [];
  for (let round = 0; round < (PARTS.has('1k') ? ROUNDS : 0); round++) {
    log(`1 KiB round ${round + 1}/${ROUNDS}: bare Fastify, then Messaging sends committed before the 2xx`);
    const baseline = await bareRun(slice);
    const cpuBefore = cpuSeconds(messaging.child.pid);
    const service = await closedLoop({ origin: url, concurrency: CONCURRENCY, seconds: slice, makeRequest: () => sendRequest(recipients, c1k) });
    // CPU per send does not depend on how much CPU the rest of the machine left the service.
    const cpuMicros = ((cpuSeconds(messaging.child.pid) - cpuBefore) * 1e6) / (service.rate * slice);
    rounds1k.push({ bare: Math.round(baseline.rate), send: Math.round(service.rate), failed: service.failed, ratio: service.rate / baseline.rate, cpuMicrosPerSend: Math.round(cpuMicros) });
  }
  await stop(bare.child);
  if (rounds1k.length > 0) results.rounds1k = rounds1k;
  results.send1kVsBare = median(rounds1k.map((r) => r.ratio));
  results.send1kRate = median(rounds1k.map((r) => r.send));
  results.bare1kRate = median(rounds1k.map((r) => r.bare));
  results.send1kCpuMicros = median(rounds1k.map((r) => r.cpuMicrosPerSend));

  const db = new SQLite(join(dataDir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table blobs (id integer primary key autoincrement, device_id text not null, body blob not null)');
  const insert = db.prepare('insert into blobs (device_id, body) values (?, ?)');
  const blob = Buffer.alloc(64 * 1024, 0x5a);
  const bareSqlite = (seconds) => {
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      insert.run('device', blob);
      n++;
    }
    return n / ((performance.now() - started) / 1000);
  };
  const rounds64k = [];
  for (let round = 0; round < (PARTS.has('64k') ? ROUNDS : 0); round++) {
    log(`64 KiB round ${round + 1}/${ROUNDS}: bare SQLite inserts (WAL, synchronous=FULL, one commit each), then Messaging sends`);
    const baseline = bareSqlite(slice);
    const service = await closedLoop({ origin: url, concurrency: CONCURRENCY, seconds: slice, makeRequest: () => sendRequest(recipients, c64k) });
    rounds64k.push({ bareSqlite: Math.round(baseline), send: Math.round(service.rate), failed: service.failed, ratio: service.rate / baseline });
  }
  db.close();
  if (rounds64k.length > 0) results.rounds64k = rounds64k;
  results.send64kVsSqlite = median(rounds64k.map((r) => r.ratio));
  results.send64kRate = median(rounds64k.map((r) => r.send));
  results.bareSqlite64kRate = median(rounds64k.map((r) => r.bareSqlite));

  // --- latency at 1,000 sends/s over WebSocket ------------------------------------------------
  // A fresh process and database: the throughput runs left GBs of never-acknowledged envelopes
  // for offline devices, which is not the state a latency or memory measurement should start from.
  await stop(messaging.child);
  messaging = await launchMessaging(join(dataDir, 'latency'));
  ({ url, wsUrl } = messaging);
  const latencies = [];
  let measuring = true;
  const sockets = await connectRecipients(wsUrl, liveRecipients.map((r) => r.devices[0]), (envelope) => {
    const sentAt = Number(envelope.clientMessageId.split(':')[1]);
    if (measuring && Number.isFinite(sentAt)) latencies.push(performance.timeOrigin + performance.now() - sentAt);
  });
  if (PARTS.has('latency')) {
    log('send-to-delivery latency at 250 sends/s (not saturated, for comparison)');
    const latencyLow = await openLoop({
      origin: url,
      rate: 250,
      seconds: Math.min(SECONDS, 10),
      makeRequest: (intended, i) => sendRequest(liveRecipients, c1k, `low-${i}:${performance.timeOrigin + intended}`),
    });
    await waitUntil(() => latencies.length >= latencyLow.ok, 'all low-rate envelopes delivered', 30_000).catch(() => undefined);
    results.latency250 = { ...latencyLow, deliveryMs: summarize(latencies.splice(0)) };
    log('send-to-delivery latency at 1,000 sends/s');
    // The id carries the intended send time (epoch ms, fractional), so latency includes any queueing in the generator.
    const latencyRun = await openLoop({
      origin: url,
      rate: 1000,
      seconds: SECONDS,
      makeRequest: (intended, i) => sendRequest(liveRecipients, c1k, `lat-${i}:${performance.timeOrigin + intended}`),
    });
    await waitUntil(() => latencies.length >= latencyRun.ok, 'all latency envelopes delivered', 30_000).catch(() => undefined);
    results.latency1000 = { ...latencyRun, deliveryMs: summarize(latencies) };
  }

  // --- soak: memory at 500 sends/s ----------------------------------------------------------------
  measuring = false;
  if (PARTS.has('soak')) {
    if (SOAK_WARMUP_MINUTES > 0) {
      log(`soak warm-up: 500 sends/s for ${SOAK_WARMUP_MINUTES} min, not measured`);
      await openLoop({
        origin: url,
        rate: 500,
        seconds: SOAK_WARMUP_MINUTES * 60,
        makeRequest: (intended, i) => sendRequest(liveRecipients, c1k, `warm-${i}:${performance.timeOrigin + intended}`),
      });
    }
    log(`soak: 500 sends/s for ${SOAK_MINUTES} min with acking recipients`);
    const samples = [];
    const sampler = setInterval(() => samples.push({ t: performance.now(), rss: rssBytes(messaging.child.pid) }), 5000);
    const soakStart = performance.now();
    const soak = await openLoop({
      origin: url,
      rate: 500,
      seconds: SOAK_MINUTES * 60,
      makeRequest: (intended, i) => sendRequest(liveRecipients, c1k, `soak-${i}:${performance.timeOrigin + intended}`),
    });
    clearInterval(sampler);
    // Settled start: the median of the samples in the second tenth of the run (after warm-up); end: the last tenth.
    const duration = performance.now() - soakStart;
    const window = (from, to) => summarize(samples.filter((s) => s.t - soakStart >= from * duration && s.t - soakStart <= to * duration).map((s) => s.rss)).p50;
    const startRss = window(0.1, 0.2);
    const endRss = window(0.9, 1);
    results.soak500 = {
      ...soak,
      minutes: SOAK_MINUTES,
      warmupMinutes: SOAK_WARMUP_MINUTES,
      rssStartMiB: Math.round(startRss / 1048576),
      rssEndMiB: Math.round(endRss / 1048576),
      rssPeakMiB: Math.round(Math.max(...samples.map((s) => s.rss)) / 1048576),
      growthPercent: Math.round(((endRss - startRss) / startRss) * 1000) / 10,
    };
  }
  for (const socket of sockets) socket.close();
  const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
  results.commitBatchSizeMean = (() => {
    const sum = Number(/messaging_commit_batch_size_sum\{[^}]*\} ([\d.e+]+)/.exec(metrics)?.[1]);
    const count = Number(/messaging_commit_batch_size_count\{[^}]*\} ([\d.e+]+)/.exec(metrics)?.[1]);
    return Math.round((sum / count) * 10) / 10;
  })();
} finally {
  for (const child of children) await stop(child);
  await auth.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const pct = (x) => `${Math.round(x * 1000) / 10}%`;
console.log(JSON.stringify(results, null, 2));
const rows = [
  results.rounds1k && `| 1 KiB sends/s (committed before 2xx) | ${results.send1kRate} vs bare Fastify ${results.bare1kRate} (medians of ${ROUNDS} interleaved rounds); median ratio ${pct(results.send1kVsBare)}; Messaging CPU ${results.send1kCpuMicros} µs per send | >= 20% |`,
  results.rounds64k && `| 64 KiB sends/s | ${results.send64kRate} vs bare SQLite 64 KiB inserts ${results.bareSqlite64kRate}; median ratio ${pct(results.send64kVsSqlite)} | >= 70% |`,
  results.latency1000 && `| send-to-delivery latency at 1,000/s | p50 ${results.latency1000.deliveryMs.p50} ms, p95 ${results.latency1000.deliveryMs.p95} ms, p99 ${results.latency1000.deliveryMs.p99} ms (${results.latency1000.ok}/${results.latency1000.scheduled} ok, generator ${results.latency1000.valid ? 'kept' : 'MISSED'} its schedule) | p99 <= 20 ms |`,
  results.latency250 && `| (for comparison) latency at 250/s | p50 ${results.latency250.deliveryMs.p50} ms, p99 ${results.latency250.deliveryMs.p99} ms | — |`,
  results.soak500 && `| RSS over ${results.soak500.minutes} min at 500 sends/s (after ${results.soak500.warmupMinutes} min warm-up) | ${results.soak500.rssStartMiB} MiB -> ${results.soak500.rssEndMiB} MiB (${results.soak500.growthPercent}%), peak ${results.soak500.rssPeakMiB} MiB, ${results.soak500.ok}/${results.soak500.scheduled} ok | within 5% |`,
].filter(Boolean);
console.log(`
| measure | result | target |
|---|---|---|
${rows.join('\n')}
`);
