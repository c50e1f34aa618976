// Helpers shared by the Auth benchmarks: start the built service, talk HTTP on loopback, read CPU time.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const serviceMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Starts services/auth/dist/main.js on a free loopback port with limits out of the way; resolves once /readyz answers. */
export async function startAuth(extraEnv = {}) {
  // BENCH_DATA_ROOT=/dev/shm separates the service's own cost from the disk's fsync latency.
  const dataDir = mkdtempSync(join(process.env.BENCH_DATA_ROOT ?? tmpdir(), 'auth-bench-'));
  const port = await freePort();
  const huge = '1000000000';
  const env = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SANCTUM_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    RATE_LIMIT_MAX: huge,
    RATE_LIMIT_CREATE_PER_IP: huge,
    RATE_LIMIT_CHALLENGE_PER_IP: huge,
    RATE_LIMIT_SIGN_IN_PER_IP: huge,
    RATE_LIMIT_SIGN_IN_PER_DEVICE: huge,
    ...extraEnv,
  };
  const child = spawn(process.execPath, [serviceMain], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Auth exited during start-up (${child.exitCode}); run npm run build first`);
    const ready = await request(port, 'GET', '/readyz').then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('Auth did not become ready');
    await sleep(100);
  }
  return {
    url,
    port,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One JSON request on a keep-alive connection; resolves with status and parsed body. */
export function request(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where /proc is missing. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Durable commits per second of this disk: what SQLite with synchronous=FULL
 * (the kernel's setting) can do at most, since each commit waits for fsync.
 */
export async function diskCommitsPerSecond(count = 300) {
  const { openDatabase } = await import('@sanctum/kernel');
  const { sql } = await import('kysely');
  const dir = mkdtempSync(join(tmpdir(), 'auth-bench-disk-'));
  const database = openDatabase({ dataDir: dir, name: 'disk' });
  try {
    await sql`create table t (id integer primary key, v text)`.execute(database.db);
    const started = performance.now();
    for (let i = 0; i < count; i += 1) await sql`insert into t (v) values (${String(i)})`.execute(database.db);
    return Math.round(count / ((performance.now() - started) / 1000));
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function machine() {
  return `${process.platform} ${process.arch}, Node ${process.version}`;
}
