import { describe, expect, it } from 'vitest';
import { formatSmokeRun } from '../src/commands/smoke/smoke.format.js';
import type { OpenLoopResult } from '../src/lib/load/open-loop.generator.js';
import { formatValue } from '../src/lib/load/report/format.js';
import { htmlReport } from '../src/lib/load/report/html.report.js';
import { scenarioCharts } from '../src/lib/load/report/chart.data.js';
import { markdownSummary } from '../src/lib/load/report/markdown.report.js';
import { assembleScenario } from '../src/lib/load/scenario.assembler.js';
import { parseSlo } from '../src/lib/load/slo.loader.js';
import type { SmokeResult } from '../src/lib/smoke-result.js';

const slo = parseSlo('slo.json', {
  version: '7',
  scenarios: { soak: { error_rate: 0.02, latency_p99_ms: 3000, memory_growth_percent: 10, delivery_latency_p95_ms: 100 } },
  memoryGrowth: { warmupFraction: 0.2, windowFraction: 0.1, minWindowSamples: 3 },
  generator: { maxDispatchLagP99Ms: 25, maxDispatchLagMs: 500, maxEventLoopDelayP99Ms: 50, maxCpuPercent: 90 },
});
const latency = { p50: 2, p95: 9, p99: 40, max: 900, mean: 3 };
const health = { dispatchLagMaxMs: 1, eventLoopDelayMaxMs: 2, cpuPercent: 30 };

function run(overrides: Partial<OpenLoopResult> = {}): OpenLoopResult {
  return {
    scenario: 'soak',
    target: { name: 'messaging-send', description: 'POST </script> "send"', interim: false },
    payloadBytes: 1024,
    warmupS: 5,
    startedAtMs: 1_700_000_000_000,
    finishedAtMs: 1_700_000_003_000,
    requests: { scheduled: 300, completed: 290, ok: 280, errors: 20 },
    errorBreakdown: { status: { '500': 10 }, timeouts: 6, connection: 4 },
    latencyMs: latency,
    deliveryLatencyMs: { ...latency, p95: 150 },
    histograms: { latencyUs: 'HISTFAAAA', deliveryUs: 'HISTFAAAB' },
    seconds: [
      { t: 0, scheduled: 100, completed: 95, errors: 5, latency, health },
      { t: 1, scheduled: 100, completed: 100, errors: 15, latency: null, health },
      { t: 2, scheduled: 100, completed: 95, errors: 0, latency, health },
    ],
    intervalLog: '',
    generator: {
      dispatchLagMs: latency,
      eventLoopDelayMs: latency,
      cpuAvgPercent: 30,
      connections: 64,
      peakClientQueue: 3,
      gcPauses: { minor: 38, major: 2, totalMs: 378.5, maxMs: 12.9 },
    },
    invalidReasons: ['dispatch lag max 900 ms exceeds 500 ms (the generator stalled)'],
    ...overrides,
  };
}

const readings = new Map([
  ['messaging', Array.from({ length: 12 }, (_, i) => ({ atMs: 1_700_000_000_000 + i * 1000, cpuSeconds: i * 0.2, rssBytes: (100 + i) * 1_048_576 }))],
  ['auth', [{ atMs: 1_700_000_000_000, cpuSeconds: 0, rssBytes: 50 * 1_048_576 }]],
]);

function result(): SmokeResult {
  const scenario = assembleScenario({ name: 'soak', targetRps: 100, durationS: 3, payloadBytes: 1024 }, run(), readings, slo);
  return {
    schemaVersion: 1,
    startedAt: '2025-01-03T02:00:00.000Z',
    finishedAt: '2025-01-03T02:20:00.000Z',
    slo: { file: 'slo/nightly.json', version: '7' },
    scenarios: [scenario],
    crashes: [{ service: 'auth', exit: 'exited (1)' }],
    valid: false,
    passed: false,
    notRun: [{ scenario: 'load-64k', reason: 'auth crashed earlier in the run' }],
    error: 'something <broke>',
  };
}

describe('scenario records', () => {
  it('judge delivery latency, memory growth and missing resource values, and carry the timeline', () => {
    const scenario = result().scenarios[0]!;
    expect(scenario.objectives.map((o) => [o.objective, o.passed])).toEqual([
      ['error_rate', false],
      ['latency_p99_ms', true],
      ['delivery_latency_p95_ms', false],
      ['memory_growth_percent', false],
    ]);
    expect(scenario.objectives.find((o) => o.objective === 'memory_growth_percent')?.detail).toContain('auth: memory growth not measured');
    expect(scenario.timeline?.[1]).toMatchObject({ t: 1, p95Ms: null, errors: 15 });
    expect(scenario.resourceSamples?.find((r) => r.service === 'messaging')?.samples[1]).toEqual({ t: 1, cpuPercent: 20, rssBytes: 101 * 1_048_576 });
    expect(scenario).toMatchObject({ valid: false, passed: false, errorRate: 20 / 300, deliveryLatencyMs: { p95: 150 } });
  });

  it('fail a scenario in which an envelope a 2xx send stored never arrived, whatever the SLO file says', () => {
    const plan = { name: 'soak', targetRps: 100, durationS: 3, payloadBytes: 1024 };
    const delivery = { expected: 120_000, delivered: 119_997, reconnects: 0, tokenRefreshes: 0 };
    const short = assembleScenario(plan, run({ invalidReasons: [], delivery }), readings, slo);
    expect(short.objectives.at(-1)).toEqual({
      objective: 'undelivered_envelopes', threshold: 1, measured: 3, unit: 'envelopes', passed: false, detail: '119997 of 120000 arrived',
    });
    expect(short.passed).toBe(false);
    const complete = assembleScenario(plan, run({ invalidReasons: [], delivery: { ...delivery, delivered: 120_000 } }), readings, slo);
    expect(complete.objectives.at(-1)).toMatchObject({ objective: 'undelivered_envelopes', measured: 0, passed: true });
    // A target that does not watch the sockets (a readiness probe) has nothing to judge.
    expect(assembleScenario(plan, run(), readings, slo).objectives.map((o) => o.objective)).not.toContain('undelivered_envelopes');
  });

  it("carry the disk probe's syncs of the scenario's window: a summary, each second's slowest, and a line and a chart series in the reports", async () => {
    const start = run().startedAtMs;
    const samples = [
      { atMs: start + 100, ms: 0.4 },
      { atMs: start + 1_200, ms: 180.5 },
      { atMs: start + 1_300, ms: 0.3 },
      { atMs: start + 2_500, ms: 0.5 },
    ];
    const scenario = assembleScenario({ name: 'soak', targetRps: 100, durationS: 3, payloadBytes: 1024 }, run(), readings, slo, { samples, intervalMs: 100 });
    expect(scenario.disk).toMatchObject({ probes: 4, intervalMs: 100, maxMs: 180.5, stalls: 1, worst: [{ t: 1.2, ms: 180.5 }, { t: 2.5, ms: 0.5 }, { t: 0.1, ms: 0.4 }, { t: 1.3, ms: 0.3 }] });
    expect(scenario.timeline?.map((p) => p.diskSyncMaxMs)).toEqual([0.4, 180.5, 0.5]);
    // Context only: the objectives and the verdict are those of the same run without a probe.
    expect(scenario.objectives).toEqual(assembleScenario({ name: 'soak', targetRps: 100, durationS: 3, payloadBytes: 1024 }, run(), readings, slo).objectives);

    const withDisk: SmokeResult = { ...result(), scenarios: [scenario] };
    const line = "Disk: 4 probe syncs (4 KiB write and fdatasync every 100 ms beside the services' databases): p50 0.40 ms, p99 180.5 ms, max 180.5 ms; 1 slower than 50.0 ms (180.5 ms at 1.2 s).";
    expect(markdownSummary(withDisk)).toContain(line);
    expect(await htmlReport(withDisk)).toContain('<p class="disk">Disk: 4 probe syncs');
    const latencyChart = scenarioCharts(scenario, 0)[0]!;
    expect(latencyChart.series.at(-1)).toEqual({ label: 'slowest disk sync', values: [0.4, 180.5, 0.5] });
    // Without a probe there is neither a line nor a series.
    expect(markdownSummary(result())).not.toContain('Disk:');
    expect(scenarioCharts(result().scenarios[0]!, 0)[0]!.series.map((s) => s.label)).not.toContain('slowest disk sync');
  });

  it('refuse a scenario the SLO file sets no objectives for', () => {
    expect(() => assembleScenario({ name: 'load-1k', targetRps: 1, durationS: 1, payloadBytes: 0 }, run(), new Map(), slo)).toThrow(/no objectives for load-1k/);
  });
});

describe('reports', () => {
  it('the Markdown summary says what failed and why: error, crash, scenario not run, invalid reasons, error kinds', () => {
    const markdown = markdownSummary(result());
    expect(markdown).toContain('## Sanctum smoke: INVALID ⚠️');
    expect(markdown).toContain('**The run could not complete:** something <broke>');
    expect(markdown).toContain('- ❌ **auth crashed**: exited (1)');
    expect(markdown).toContain('- ❌ **load-64k did not run**: auth crashed earlier in the run');
    expect(markdown).toContain('Errors: 10× HTTP 500, 6 timeouts, 4 connection errors.');
    expect(markdown).toContain('**Invalid run**');
    expect(markdown).toContain('| delivery_latency_p95_ms | < 100.0 ms | 150.0 ms | ❌ |');
    expect(markdown).toContain('| auth | — | — | CPU not measured (1 samples) |');
    expect(markdown).toContain('Commit `unknown`');
    expect(markdown).toContain('GC pauses 378.5 ms in all (38 minor, 2 major, longest 12.9 ms).');
  });

  it('the HTML report escapes what it shows and keeps the data from closing its script element', async () => {
    const html = await htmlReport(result());
    expect(html).toContain('POST &#60;/script&#62; &#34;send&#34;');
    expect(html).toContain('something &#60;broke&#62;');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('class="verdict invalid"');
  });

  it('reports without optional sections (an older result) still render', async () => {
    const bare: SmokeResult = {
      ...result(),
      error: undefined,
      notRun: undefined,
      crashes: [],
      valid: true,
      passed: true,
      scenarios: [
        {
          name: 'load-1k',
          targetRps: 10,
          durationS: 1,
          payloadBytes: 0,
          requests: { scheduled: 10, completed: 10, ok: 10, errors: 0 },
          errorRate: 0,
          latencyMs: latency,
          resources: [],
          valid: true,
          invalidReasons: [],
          objectives: [],
          passed: true,
        },
      ],
    };
    expect(markdownSummary(bare)).toContain('## Sanctum smoke: PASSED ✅');
    expect(await htmlReport(bare)).toContain('Sanctum smoke: PASSED');
  });

  it('the CLI summary lists crashes, scenarios not run, failed objectives and invalid reasons', () => {
    const lines = formatSmokeRun({
      result: result(),
      outDir: '/out',
      files: { results: '/out/results.json', summary: '/out/summary.md', report: '/out/report.html', histograms: [], logs: [] },
      exitCode: 1,
    });
    expect(lines[0]).toBe('Sanctum smoke: INVALID (SLO slo/nightly.json version 7)');
    expect(lines).toContain('  the run could not complete: something <broke>');
    expect(lines).toContain('  auth crashed: exited (1)');
    expect(lines).toContain('  load-64k did not run: auth crashed earlier in the run');
    expect(lines.some((l) => l.includes('FAIL delivery_latency_p95_ms < 100.0 ms: 150.0 ms'))).toBe(true);
    expect(lines.some((l) => l.includes('INVALID: dispatch lag max 900 ms'))).toBe(true);
    expect(lines.at(-1)).toBe('Artifacts: /out/results.json, /out/summary.md, /out/report.html');
  });

  it('formats values by unit', () => {
    expect(formatValue(0.0123, 'ratio')).toBe('1.23%');
    expect(formatValue(3.14159, 'ms')).toBe('3.14 ms');
    expect(formatValue(1234.5, 'ms')).toBe('1234.5 ms');
    expect(formatValue(5, 'req')).toBe('5 req');
  });
});
