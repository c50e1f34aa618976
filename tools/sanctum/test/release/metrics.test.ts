import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsCommand } from '../../src/commands/metrics/metrics.command.js';
import { recordCiCommand } from '../../src/commands/record/record.command.js';
import { nightlyRecord } from '../../src/lib/records/nightly-record.js';
import { appendRecord, loadRecords } from '../../src/lib/records/record.store.js';
import { RUN_RECORD_SCHEMA_VERSION } from '../../src/lib/records/run-record.js';
import type { ScenarioResult, SmokeResult } from '../../src/lib/smoke-result.js';
import { fixturePool, run } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

const NOW = new Date('2025-06-30T00:00:00Z');
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000);
const ALERTS_FILE = join(import.meta.dirname, '..', '..', '..', '..', 'slo', 'alerts.json');

function scenario(name: string, errorRate: number, p95: number, passed: boolean): ScenarioResult {
  return {
    name,
    targetRps: 1000,
    durationS: 120,
    payloadBytes: 1024,
    requests: { scheduled: 1000, completed: 1000, ok: 1000 - errorRate * 1000, errors: errorRate * 1000 },
    errorRate,
    latencyMs: { p50: p95 / 2, p95, p99: p95 * 2, max: p95 * 3, mean: p95 / 2 },
    resources: [{ service: 'messaging', cpuAvgPercent: 30, memoryGrowthPercent: 3, peakRssBytes: 1e8 }],
    valid: true,
    invalidReasons: [],
    objectives: [{ objective: 'error_rate', threshold: 0.02, measured: errorRate, unit: 'ratio', passed: errorRate < 0.02 }],
    passed,
  };
}

/** A smoke result in the real contract format. */
function smoke(errorRate: number, p95: number, soakPassed: boolean): SmokeResult {
  const scenarios = [scenario('load-1k', errorRate, p95, true), scenario('load-64k', errorRate / 2, p95 / 2, true), scenario('soak', errorRate, p95, soakPassed)];
  return {
    schemaVersion: 1,
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    slo: { file: 'slo/smoke.json', version: '1' },
    scenarios,
    crashes: [],
    valid: true,
    passed: scenarios.every((s) => s.passed),
  };
}

describe('sanctum metrics (slow: real git repository with a fabricated history)', () => {
  it('reports the documented metrics and raises the blocked and error-rate alerts', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    // Five nightlies over ten days on staging commits that never reached main.
    const runs = [
      { days: 10, errorRate: 0.002, p95: 100, soak: true },
      { days: 8, errorRate: 0.003, p95: 110, soak: true },
      { days: 6, errorRate: 0.004, p95: 105, soak: false },
      { days: 4, errorRate: 0.002, p95: 100, soak: true },
      { days: 2, errorRate: 0.015, p95: 300, soak: true },
    ];
    const commits: string[] = [];
    for (const r of runs) {
      const commit = fixture.commitOn('staging', `feat: change ${r.days}`, {}, daysAgo(r.days + 0.5));
      commits.push(commit);
      run(work, ['fetch', '--quiet', 'origin']);
      const result = smoke(r.errorRate, r.p95, r.soak);
      await appendRecord(
        { dir: work },
        nightlyRecord({ commit, startedAt: daysAgo(r.days), finishedAt: daysAgo(r.days), targetRps: 1000, soakDurationMin: 15, result }),
      );
    }
    // One promotion four days ago (20 h lag), one hotfix, CI runs with coverage.
    await appendRecord({ dir: work }, {
      schemaVersion: RUN_RECORD_SCHEMA_VERSION,
      kind: 'promotion',
      commit: commits[3]!,
      time: daysAgo(4).toISOString(),
      passed: true,
      release: { tag: 'release/20250626-000000', previousMain: commits[0]!, lagHours: 20 },
    });
    await appendRecord({ dir: work }, {
      schemaVersion: RUN_RECORD_SCHEMA_VERSION,
      kind: 'hotfix',
      commit: commits[1]!,
      time: daysAgo(7).toISOString(),
      passed: true,
      release: { tag: 'release/20250623-000000', previousMain: commits[0]!, hotfix: 'hotfix/x' },
    });
    const coverage = join(fixture.root, 'coverage-summary.json');
    writeFileSync(coverage, JSON.stringify({ total: { statements: { pct: 91.5 }, branches: { pct: 88 }, functions: { pct: 95 }, lines: { pct: 91 } } }));
    await recordCiCommand({ dir: work, commit: commits[3]!, success: true, buildTimeS: 150, coverageSummaryFile: coverage, push: false, now: () => daysAgo(3) });
    await recordCiCommand({ dir: work, commit: commits[4]!, success: false, buildTimeS: 170, coverageSummaryFile: coverage, push: false, now: () => daysAgo(1) });
    // An old record outside the 30-day window does not count.
    await recordCiCommand({ dir: work, commit: commits[0]!, success: false, push: false, now: () => daysAgo(90) });
    expect((await loadRecords({ dir: work })).records).toHaveLength(10);

    const result = await metricsCommand({ dir: work, alertsFile: ALERTS_FILE, outDir: join(fixture.root, 'metrics'), now: () => NOW });

    const value = (id: string) => result.metrics.find((m) => m.id === id);
    expect(value('load_pass_rate_percent')).toMatchObject({ value: 100, samples: 5, status: 'ok' });
    expect(value('soak_pass_rate_percent')).toMatchObject({ value: 80, status: 'off-target' });
    expect(value('nightly_pass_rate_percent')?.value).toBe(80);
    expect(value('error_rate_percent')).toMatchObject({ value: 1.5, status: 'alert' });
    expect(value('p95_ms')?.value).toBe(300);
    expect(value('p95_regression_percent')).toMatchObject({ status: 'alert', detail: 'baseline 102.5 ms' });
    expect(value('staging_main_lag_hours')).toMatchObject({ value: 20, status: 'ok' });
    // Staging has been ahead since the last promotion four days ago.
    expect(value('blocked_hours')).toMatchObject({ value: 96, status: 'alert' });
    expect(value('hotfixes_per_month')).toMatchObject({ value: 1, status: 'ok' });
    expect(value('ci_success_rate_percent')).toMatchObject({ value: 50, samples: 2, status: 'off-target' });
    expect(value('build_time_minutes')?.value).toBeCloseTo(2.83, 2);
    expect(value('coverage_statements_percent')).toMatchObject({ value: 91.5, status: 'ok' });
    expect(result.alerts.map((a) => a.metric).sort()).toEqual(['blocked_hours', 'error_rate_percent', 'p95_regression_percent']);
    expect(result.series.p95Ms.map((p) => p.value)).toEqual([100, 110, 105, 100, 300]);

    expect(JSON.parse(readFileSync(result.files.json, 'utf8'))).toMatchObject({ alerts: result.alerts });
    const html = readFileSync(result.files.html, 'utf8');
    expect(html).toContain('<polyline');
    expect(html).toContain('Blocked: staging ahead of main');
    expect(html).not.toMatch(/<script|src="http/);
  });

  it('reports no blocked time and no alerts when main contains staging', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const outDir = join(fixture.root, 'metrics');
    const result = await metricsCommand({ dir: work, alertsFile: ALERTS_FILE, outDir, now: () => NOW });
    expect(result.alerts).toEqual([]);
    expect(result.metrics.find((m) => m.id === 'blocked_hours')).toMatchObject({ value: 0, status: 'ok' });
    expect(result.metrics.find((m) => m.id === 'load_pass_rate_percent')?.status).toBe('no-data');
    expect(existsSync(join(outDir, 'dashboard.html'))).toBe(true);
  });

  it('refuses a thresholds file with an unknown metric', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const file = join(fixture.root, 'alerts.json');
    writeFileSync(file, JSON.stringify({ version: '1', windowDays: 30, metrics: { made_up: { alert: { max: 1 } } } }));
    await expect(metricsCommand({ dir: work, alertsFile: file, outDir: fixture.root })).rejects.toMatchObject({ code: 'GATE_BAD_ALERTS_FILE' });
  });
});
