import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateObjectives } from '../src/lib/load/slo.evaluator.js';
import { SloFileError, loadSloFile, parseSlo } from '../src/lib/load/slo.loader.js';
import { sloJsonSchema } from '../src/lib/load/slo.schema.js';
import { repoRoot } from '../src/lib/repo-root.js';

const NIGHTLY = join(repoRoot(), 'slo', 'nightly.json');
const latency = { p50: 2, p95: 10, p99: 20, max: 30, mean: 4 };

describe('the SLO file', () => {
  it('holds the deployment workflow numbers, versioned', async () => {
    const slo = await loadSloFile(NIGHTLY);
    expect(slo.version).toBe('1');
    expect(slo.scenarios['load-1k']).toEqual({ error_rate: 0.02, latency_p95_ms: 1500 });
    expect(slo.scenarios['load-64k']).toEqual({ error_rate: 0.02, latency_p95_ms: 1500 });
    expect(slo.scenarios.soak).toEqual({
      error_rate: 0.02,
      latency_p95_ms: 1500,
      latency_p99_ms: 3000,
      memory_growth_percent: 10,
      cpu_avg_percent: 70,
    });
  });

  it('is described by the committed JSON schema, which stays equal to the code’s schema', async () => {
    const committed = JSON.parse(await readFile(join(repoRoot(), 'slo', 'slo.schema.json'), 'utf8'));
    expect(committed).toEqual(sloJsonSchema());
  });

  it('rejects unknown objectives, a missing version and bad thresholds, listing every problem', async () => {
    const bad = {
      scenarios: { 'load-1k': { error_rate: 2, latency_p95: 1500 } },
      memoryGrowth: { warmupFraction: 0.2, windowFraction: 0.1, minWindowSamples: 3 },
      generator: { maxDispatchLagP99Ms: 25, maxDispatchLagMs: 500, maxEventLoopDelayP99Ms: 50, maxCpuPercent: 90 },
    };
    const error = (() => {
      try {
        parseSlo('bad.json', bad);
      } catch (caught) {
        return caught as SloFileError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(SloFileError);
    expect(error.problems.length).toBeGreaterThanOrEqual(2);
    expect(error.message).toContain('bad.json is not a valid SLO file');
  });

  it('reports a file that is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slo-'));
    await writeFile(join(dir, 'broken.json'), '{ nope');
    await expect(loadSloFile(join(dir, 'broken.json'))).rejects.toThrow(/not JSON/);
    await expect(loadSloFile(join(dir, 'absent.json'))).rejects.toThrow(/ENOENT/);
  });
});

describe('objective evaluation', () => {
  const soak = { error_rate: 0.02, latency_p95_ms: 1500, latency_p99_ms: 3000, memory_growth_percent: 10, cpu_avg_percent: 70 };

  it('passes each objective only when the measured value is strictly below its threshold', () => {
    const results = evaluateObjectives(soak, {
      errorRate: 0.02,
      latencyMs: { ...latency, p95: 1499.9, p99: 3000 },
      cpu: { value: 12, service: 'messaging' },
      memoryGrowth: { value: 3, service: 'auth' },
    });
    expect(results.map((r) => [r.objective, r.passed])).toEqual([
      ['error_rate', false],
      ['latency_p95_ms', true],
      ['latency_p99_ms', false],
      ['memory_growth_percent', true],
      ['cpu_avg_percent', true],
    ]);
    expect(results.find((r) => r.objective === 'cpu_avg_percent')).toMatchObject({ measured: 12, unit: '%', detail: 'worst: messaging' });
  });

  it('fails an objective whose value could not be measured, and says why', () => {
    const results = evaluateObjectives(soak, {
      errorRate: null,
      latencyMs: null,
      cpu: null,
      memoryGrowth: null,
      resourceGaps: ['messaging: memory growth not measured (4 samples; too few for the settled windows)'],
    });
    expect(results.every((r) => !r.passed && r.measured === null)).toBe(true);
    expect(results.find((r) => r.objective === 'memory_growth_percent')?.detail).toContain('too few');
  });

  it('fails delivery objectives when the target does not measure delivery', () => {
    const [p95, p99] = evaluateObjectives({ delivery_latency_p95_ms: 100, delivery_latency_p99_ms: 200 }, {
      errorRate: 0,
      latencyMs: latency,
      cpu: null,
      memoryGrowth: null,
    });
    expect(p95).toMatchObject({ passed: false, measured: null });
    expect(p99?.detail).toContain('not measured');
    const measured = evaluateObjectives({ delivery_latency_p95_ms: 100, latency_p50_ms: 5 }, {
      errorRate: 0,
      latencyMs: latency,
      deliveryLatencyMs: latency,
      cpu: null,
      memoryGrowth: null,
    });
    expect(measured.map((r) => r.passed)).toEqual([true, true]);
  });
});
