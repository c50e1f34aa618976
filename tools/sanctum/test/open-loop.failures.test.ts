import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../src/lib/free-port.js';
import { httpTarget } from '../src/lib/load/http.target.js';
import type { LoadTarget } from '../src/lib/load/load-target.contract.js';
import { runOpenLoop } from '../src/lib/load/open-loop.generator.js';
import type { OpenLoopOptions } from '../src/lib/load/open-loop.generator.js';
import { evaluateObjectives } from '../src/lib/load/slo.evaluator.js';
import { loadSloFile } from '../src/lib/load/slo.loader.js';
import { repoRoot } from '../src/lib/repo-root.js';
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

function options(target: LoadTarget, overrides: Partial<OpenLoopOptions> = {}): OpenLoopOptions {
  return { scenario: 'test', target, targetRps: 100, durationS: 2, payloadBytes: 0, timeoutMs: 5000, maxConnections: 64, limits: LIMITS, ...overrides };
}

const get = (url: string): LoadTarget => httpTarget({ name: 'reference', description: 'GET /', interim: true, url });

describe('open-loop generator errors and validity', () => {
  it('counts 500 answers from a server failing 5% of requests, which fails the nightly error-rate SLO', async () => {
    const failing = await server('fail', ['--fail-every', '20']);
    const result = await runOpenLoop(options(get(`${failing.url}/`), { targetRps: 200, durationS: 2 }));
    expect(result.requests).toEqual({ scheduled: 400, completed: 400, ok: 380, errors: 20 });
    expect(result.errorBreakdown).toEqual({ status: { '500': 20 }, timeouts: 0, connection: 0 });
    const slo = await loadSloFile(`${repoRoot()}slo/nightly.json`);
    const [errorRate] = evaluateObjectives(slo.scenarios['load-1k']!, {
      errorRate: result.requests.errors / result.requests.scheduled,
      latencyMs: result.latencyMs,
      cpu: null,
      memoryGrowth: null,
    });
    expect(errorRate).toMatchObject({ objective: 'error_rate', threshold: 0.02, measured: 0.05, passed: false });
  });

  it('counts requests unanswered within the timeout as timeouts, with their latency at least the timeout', async () => {
    const hanging = await server('hang');
    const result = await runOpenLoop(options(get(`${hanging.url}/`), { targetRps: 50, durationS: 1, timeoutMs: 300 }));
    expect(result.requests).toEqual({ scheduled: 50, completed: 0, ok: 0, errors: 50 });
    expect(result.errorBreakdown.timeouts).toBe(50);
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(300);
  });

  it('counts refused connections as connection errors', async () => {
    const closed = await freePort();
    const result = await runOpenLoop(options(get(`http://127.0.0.1:${closed}/`), { targetRps: 50, durationS: 1 }));
    expect(result.requests.errors).toBe(50);
    expect(result.errorBreakdown.connection).toBe(50);
  });

  it('reports a run invalid, with the reason, when the generator is starved and cannot keep its schedule', async () => {
    const fast = await server('fast');
    // Block the generator's event loop for 1.2 s in the middle of the run, as a starved CPU would.
    const blocker = setTimeout(() => {
      const until = performance.now() + 1200;
      while (performance.now() < until) {
        // busy
      }
    }, 500);
    const result = await runOpenLoop(options(get(`${fast.url}/`), { targetRps: 100, durationS: 3 }));
    clearTimeout(blocker);
    expect(result.requests.ok).toBe(300);
    expect(result.generator.dispatchLagMs.max).toBeGreaterThan(1000);
    expect(result.invalidReasons.some((r) => r.includes('the generator stalled'))).toBe(true);
  });

  it('reports a run invalid when the generator uses more CPU than its limit allows', async () => {
    const fast = await server('fast');
    const result = await runOpenLoop(options(get(`${fast.url}/`), { durationS: 1, limits: { ...LIMITS, maxCpuPercent: 0.0001 } }));
    expect(result.invalidReasons).toContainEqual(expect.stringContaining('generator CPU'));
  });

  it('sends the scenario payload when the target carries one, and records delivery latency a target reports', async () => {
    const fast = await server('fast');
    const base = httpTarget({ name: 'post', description: 'POST /', interim: false, url: `${fast.url}/v1/send`, sendPayload: true });
    const withDelivery: LoadTarget = {
      ...base,
      open: async (context) => {
        const session = await base.open(context);
        return {
          ...session,
          send: async (request) => {
            const outcome = await session.send(request);
            context.recordDelivery(5 + (request.index % 10), request.index);
            return outcome;
          },
        };
      },
    };
    const result = await runOpenLoop(options(withDelivery, { payloadBytes: 1024, durationS: 1 }));
    expect(result.payloadBytes).toBe(1024);
    expect(result.requests.ok).toBe(100);
    expect(result.deliveryLatencyMs?.max).toBeCloseTo(14, 1);
    expect(result.histograms.deliveryUs).toEqual(expect.any(String));
  });

  it('treats a target that rejects instead of resolving as a connection error', async () => {
    const broken: LoadTarget = {
      name: 'broken',
      description: 'rejects',
      interim: true,
      open: async () => ({ payloadBytes: 0, send: () => Promise.reject(new Error('socket hang up')), queued: () => 0, close: async () => undefined }),
    };
    const result = await runOpenLoop(options(broken, { durationS: 1, targetRps: 20 }));
    expect(result.errorBreakdown.connection).toBe(20);
  });

  it('refuses a non-positive rate or duration', async () => {
    await expect(runOpenLoop(options(get('http://127.0.0.1:1/'), { targetRps: 0 }))).rejects.toThrow(/positive/);
  });
});
