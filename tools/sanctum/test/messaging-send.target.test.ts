import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_SERVICE_ENV } from '../src/commands/smoke/smoke.command.js';
import { freePort } from '../src/lib/free-port.js';
import type { LoadTarget, ServiceUrls } from '../src/lib/load/load-target.contract.js';
import { messagingSendTarget } from '../src/lib/load/messaging-send.target.js';
import { runOpenLoop } from '../src/lib/load/open-loop.generator.js';
import { startPlatform } from '../src/lib/platform.js';
import type { Platform } from '../src/lib/platform.js';
import { repoRoot } from '../src/lib/repo-root.js';

// Slow: the three services built from this checkout, started as `sanctum smoke` starts them.
const LOOSE = { maxDispatchLagP99Ms: 1000, maxDispatchLagMs: 5000, maxEventLoopDelayP99Ms: 1000, maxCpuPercent: 100 };
let platform: Platform;
let dataDir: string;
let urls: ServiceUrls;
let target: LoadTarget;

beforeAll(async () => {
  const root = repoRoot();
  await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'tsconfig.build.json')], {
    cwd: root,
    timeout: 300_000,
  });
  dataDir = await mkdtemp(join(tmpdir(), 'smoke-send-'));
  platform = await startPlatform({
    rootDir: root,
    dataDir,
    logDir: join(dataDir, 'logs'),
    ports: { auth: await freePort(), directory: await freePort(), messaging: await freePort() },
    ...SMOKE_SERVICE_ENV,
    baseEnv: { PATH: process.env.PATH },
  });
  urls = { auth: platform.url('auth'), directory: platform.url('directory'), messaging: platform.url('messaging') };
  // A sender with a second device (which must get a copy of each send too) and a recipient with two devices.
  target = await messagingSendTarget({ layout: { senders: [2, 1], recipients: [1, 2] }, refresh: { everyMs: 1500 } })(urls);
}, 360_000);

afterAll(async () => {
  await target.dispose?.();
  await platform.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A sample of Messaging's /metrics, e.g. `metric('messaging_sends_total', 'result="stored"')` (other labels may follow). */
async function metric(name: string, label: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', urls.messaging))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  if (line === undefined) throw new Error(`${name}{${label}} is not on /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('the messaging-send target against the real services', () => {
  it('stores every 2xx send, delivers each envelope to every recipient device over its socket, and the acks empty the queues', async () => {
    const storedBefore = await metric('messaging_sends_total', 'result="stored"');
    const result = await runOpenLoop({ scenario: 'load-1k', target, targetRps: 40, durationS: 4, payloadBytes: 1024, timeoutMs: 5000, maxConnections: 64, limits: LOOSE });
    expect(result.target).toEqual({ name: 'messaging-send', description: expect.stringContaining('2–2 ciphertexts per send') as string, interim: false });
    expect(result.requests).toEqual({ scheduled: 160, completed: 160, ok: 160, errors: 0 });
    expect(result.payloadBytes).toBe(1024);
    // Both routes carry two ciphertexts: recipient 0 and the sender's own second device; recipient 1's two devices.
    expect(result.delivery).toMatchObject({ expected: 320, delivered: 320, reconnects: 0 });
    expect(decodeFromCompressedBase64(result.histograms.deliveryUs ?? '').totalCount).toBe(320);
    expect(result.deliveryLatencyMs?.p50).toBeGreaterThan(0);
    expect(result.seconds.filter((s) => s.delivery !== undefined)).toHaveLength(4);
    // The server agrees: 160 scheduled sends plus one warm-up per route were stored, and nothing is left unacknowledged.
    expect((await metric('messaging_sends_total', 'result="stored"')) - storedBefore).toBe(162);
    const deadline = Date.now() + 5000;
    while ((await metric('messaging_queue_depth', 'stat="total"')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await metric('messaging_queue_depth', 'stat="total"')).toBe(0);
  }, 60_000);

  it('refreshes every session in the background without disturbing the sends, and carries 64 KiB ciphertexts', async () => {
    const result = await runOpenLoop({ scenario: 'load-64k', target, targetRps: 20, durationS: 4, payloadBytes: 65_536, timeoutMs: 5000, maxConnections: 64, limits: LOOSE });
    expect(result.requests.errors).toBe(0);
    expect(result.payloadBytes).toBe(65_536);
    expect(result.delivery).toMatchObject({ expected: 160, delivered: 160 });
    // Six sessions refreshed every 1.5 s: each had its refresh token rotated more than once during these 4 s.
    expect(result.delivery?.tokenRefreshes).toBeGreaterThanOrEqual(12);
  }, 60_000);
});
