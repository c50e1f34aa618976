import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAlertsConfig } from '../../src/commands/metrics/alerts.config.js';
import type { AlertsConfig } from '../../src/commands/metrics/alerts.config.js';
import { computeMetrics } from '../../src/commands/metrics/metrics.compute.js';
import type { MetricsReport } from '../../src/commands/metrics/metrics.compute.js';
import { renderDashboard, trendChart } from '../../src/commands/metrics/metrics.dashboard.js';
import { formatMetrics } from '../../src/commands/metrics/metrics.format.js';
import type { RunRecord, ScenarioSummary } from '../../src/lib/records/run-record.js';

const dir = mkdtempSync(join(tmpdir(), 'sanctum-alerts-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the thresholds file (slo/alerts.json)', () => {
  let count = 0;
  const file = (text: string): string => {
    count += 1;
    const path = join(dir, `alerts-${count}.json`);
    writeFileSync(path, text);
    return path;
  };
  const valid = { version: '1', windowDays: 30, metrics: {} };

  it.each([
    ['JSON null', 'null', 'not an object'],
    ['a string', '"strict"', 'not an object'],
    ['a numeric version', JSON.stringify({ ...valid, version: 3 }), 'version must be a string'],
    ['an empty window', JSON.stringify({ ...valid, windowDays: 0 }), 'windowDays must be a positive number'],
    ['no metrics', JSON.stringify({ ...valid, metrics: null }), 'metrics must be an object'],
    ['a bound that is a number', JSON.stringify({ ...valid, metrics: { p95_ms: { target: 1500 } } }), 'metrics.p95_ms.target must be an object with min and/or max'],
    ['a bound with another key', JSON.stringify({ ...valid, metrics: { p95_ms: { alert: { above: 1 } } } }), 'metrics.p95_ms.alert.above must be min or max with a number'],
    ['a bound that is text', JSON.stringify({ ...valid, metrics: { p95_ms: { alert: { max: '1' } } } }), 'metrics.p95_ms.alert.max must be min or max with a number'],
  ])('names the problem with %s (400)', async (_what, text, problem) => {
    const path = file(text);
    await expect(loadAlertsConfig(path)).rejects.toMatchObject({ code: 'GATE_BAD_ALERTS_FILE', statusCode: 400, message: `${path}: ${problem}` });
  });

  it('reads a metric listed without thresholds as one with none', async () => {
    expect(await loadAlertsConfig(file(JSON.stringify({ ...valid, metrics: { p95_ms: null, error_rate_percent: { alert: { max: 1 } } } })))).toEqual({
      version: '1',
      windowDays: 30,
      metrics: { p95_ms: {}, error_rate_percent: { alert: { max: 1 } } },
    });
  });
});

const NOW = new Date('2025-07-01T00:00:00Z');
const hoursAgo = (h: number): string => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const sha = (n: number): string => String(n).repeat(40).slice(0, 40);
const scenario = (name: string, p95Ms: number): ScenarioSummary => ({ name, passed: true, valid: true, errorRate: 0.001, p95Ms, p99Ms: p95Ms * 2, cpuAvgPercent: 20, memoryGrowthPercent: 1, objectives: [] });
const nightly = (n: number, h: number, p95: number): RunRecord => ({
  schemaVersion: 1,
  kind: 'nightly',
  commit: sha(n),
  time: hoursAgo(h),
  passed: true,
  nightly: { targetRps: 1000, soakDurationMin: 15, valid: true, scenarios: [scenario('load-1k', p95), scenario('soak', p95 / 2)], crashes: [] },
});
const config: AlertsConfig = { version: 'test', windowDays: 30, metrics: { p95_regression_percent: { alert: { max: 20 } }, blocked_hours: { alert: { max: 48 } } } };

describe('computing the metrics', () => {
  it('compares the latest p95 with the median of an odd number of earlier runs, and blocks from the last promotion', () => {
    const records: RunRecord[] = [
      nightly(1, 100, 100),
      nightly(2, 80, 300),
      nightly(3, 60, 110),
      nightly(4, 10, 120),
      // A nightly that failed before the suite ran has no scenarios and no latency.
      { ...nightly(5, 5, 0), passed: false, nightly: { targetRps: 1000, soakDurationMin: 15, valid: false, scenarios: [], crashes: [], failure: 'build failed (exit 1)' } },
      { schemaVersion: 1, kind: 'promotion', commit: sha(2), time: hoursAgo(30), passed: true, release: { tag: 'release/x', previousMain: sha(1) } },
      { schemaVersion: 1, kind: 'promotion', commit: sha(3), time: hoursAgo(20), passed: true, release: { tag: 'release/y', previousMain: sha(2), lagHours: 12 } },
      { schemaVersion: 1, kind: 'ci', commit: sha(4), time: hoursAgo(2), passed: true, ci: { success: true } },
    ];
    const report = computeMetrics(records, config, { unpromotedCommits: 2, oldestUnpromotedAt: new Date(hoursAgo(50)), lastReleaseAt: new Date(hoursAgo(40)) }, NOW);
    const metric = (id: string) => report.metrics.find((m) => m.id === id);
    expect(metric('p95_regression_percent')).toMatchObject({ value: 9.09, detail: 'baseline 110 ms', status: 'ok' });
    expect(metric('nightly_pass_rate_percent')).toMatchObject({ value: 80, samples: 5 });
    expect(metric('staging_main_lag_hours')).toMatchObject({ value: 12, samples: 1 });
    // Waiting since the newer of the oldest waiting commit (50 h) and the last promotion (20 h ago).
    expect(metric('blocked_hours')).toMatchObject({ value: 20, status: 'ok' });
    expect(metric('build_time_minutes')).toMatchObject({ value: null, status: 'no-data' });
    expect(report.counts).toEqual({ nightly: 5, ci: 1, promotion: 2, hotfix: 0, rollback: 0 });
  });
});

function report(overrides: Partial<MetricsReport> = {}): MetricsReport {
  return {
    generatedAt: NOW.toISOString(),
    window: { days: 30, since: hoursAgo(720) },
    alertsVersion: 'test',
    metrics: [],
    alerts: [],
    series: { p95Ms: [], errorRatePercent: [], lagHours: [], buildTimeMinutes: [], coveragePercent: [] },
    counts: { nightly: 0, ci: 0, promotion: 0, hotfix: 0, rollback: 0 },
    ...overrides,
  };
}

describe('the dashboard and the table', () => {
  it('draws an empty window, a single point and an all-zero series without dividing by zero', () => {
    expect(trendChart('Build <time>', 'min', [])).toBe('<figure><figcaption>Build &lt;time&gt;</figcaption><p class="empty">No data in the window.</p></figure>');
    const single = trendChart('p95', 'ms', [{ time: hoursAgo(1), value: 0, commit: sha(7) }]);
    expect(single).toContain('<polyline points="280.0,144.0"/>');
    expect(single).not.toContain('class="limit"');
    expect(single).toContain('text-anchor="end">1</text>');
    const limited = trendChart('Error rate', '%', [{ time: hoursAgo(2), value: 0.2, commit: sha(7) }, { time: hoursAgo(1), value: 0.4, commit: sha(8) }], 1);
    expect(limited).toContain('<line class="limit"');
    expect(limited).toContain('>1 %</text>');
  });

  it('renders a report whose metrics carry no numeric bound', () => {
    const html = renderDashboard(
      report({
        metrics: [{ id: 'p95_ms', label: 'p95', value: null, unit: 'ms', samples: 0, target: '', alert: '', status: 'no-data' }],
        series: { p95Ms: [{ time: hoursAgo(1), value: 5, commit: sha(1) }], errorRatePercent: [], lagHours: [], buildTimeMinutes: [], coveragePercent: [] },
      }),
    );
    expect(html).toContain('<td>—</td>');
    expect(html).toContain('<p class="ok">No alerts.</p>');
    expect(html).not.toContain('class="limit"');
  });

  it('warns about records it skipped', () => {
    const text = formatMetrics({ ...report(), files: { json: '/out/metrics.json', html: '/out/dashboard.html' }, skippedRecords: 2 });
    expect(text.split('\n').at(-1)).toBe('warning: 2 unreadable record(s) skipped');
  });
});
