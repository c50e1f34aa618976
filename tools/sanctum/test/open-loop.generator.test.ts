import { afterEach, describe, expect, it } from 'vitest';
import { httpTarget } from '../src/lib/load/http.target.js';
import { runOpenLoop } from '../src/lib/load/open-loop.generator.js';
import type { OpenLoopOptions } from '../src/lib/load/open-loop.generator.js';
import { startReferenceServer } from './helpers/reference-server.js';
import type { ReferenceServer } from './helpers/reference-server.js';

const LIMITS = { maxDispatchLagP99Ms: 50, maxDispatchLagMs: 500, maxEventLoopDelayP99Ms: 100, maxCpuPercent: 95 };
let servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function server(...args: Parameters<typeof startReferenceServer>): Promise<ReferenceServer> {
  const started = await startReferenceServer(...args);
  servers.push(started);
  return started;
}

function options(url: string, overrides: Partial<OpenLoopOptions> = {}): OpenLoopOptions {
  return {
    scenario: 'test',
    target: httpTarget({ name: 'reference', description: 'GET /', interim: true, url }),
    targetRps: 200,
    durationS: 2,
    payloadBytes: 0,
    timeoutMs: 5000,
    maxConnections: 256,
    limits: LIMITS,
    ...overrides,
  };
}

/** The p99 a perfect client would see: latency = time left in the freeze at the intended send time. */
function trueStallPercentile(startedAtMs: number, rps: number, count: number, server: ReferenceServer, percentile: number): number {
  const values: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const phase = (((startedAtMs + (i * 1000) / rps - server.epochMs) % 5000) + 5000) % 5000;
    values.push(phase < 1000 ? 1000 - phase : 0);
  }
  values.sort((a, b) => a - b);
  return values[Math.ceil((percentile / 100) * count) - 1]!;
}

describe('open-loop generator', () => {
  it('sends exactly rate x duration requests on schedule to a fast server and counts them all ok', async () => {
    const fast = await server('fast');
    const result = await runOpenLoop(options(`${fast.url}/`));
    expect(result.requests).toEqual({ scheduled: 400, completed: 400, ok: 400, errors: 0 });
    expect(result.invalidReasons).toEqual([]);
    expect(result.seconds.slice(0, 2).map((s) => s.scheduled)).toEqual([200, 200]);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p50).toBeLessThan(1000);
  });

  it('reports the p99 of a server that freezes 1 s every 5 s within 5% of the true value', async () => {
    const stall = await server('stall', ['--stall-every-ms', '5000', '--stall-ms', '1000']);
    // 10 s = two full freeze cycles; 20 connections at 200 req/s so most requests queue in the
    // client during a freeze: their wait still counts from the intended send time.
    const result = await runOpenLoop(options(`${stall.url}/`, { durationS: 10, maxConnections: 20 }));
    expect(result.requests.ok).toBe(2000);
    const trueP99 = trueStallPercentile(result.startedAtMs, 200, 2000, stall, 99);
    const trueP95 = trueStallPercentile(result.startedAtMs, 200, 2000, stall, 95);
    expect(trueP99).toBeGreaterThan(900);
    expect(Math.abs(result.latencyMs.p99 - trueP99) / trueP99).toBeLessThanOrEqual(0.05);
    expect(Math.abs(result.latencyMs.p95 - trueP95) / trueP95).toBeLessThanOrEqual(0.05);
    expect(result.generator.peakClientQueue).toBeGreaterThan(0);
  });
});
