import type { RunRecord } from '../../lib/records/run-record.js';
import { breaks, describeBound } from './alerts.config.js';
import type { AlertsConfig, MetricId } from './alerts.config.js';

export interface MetricValue {
  readonly id: MetricId;
  readonly label: string;
  /** null when the window has no data for it. */
  readonly value: number | null;
  readonly unit: string;
  readonly samples: number;
  readonly target: string;
  readonly alert: string;
  readonly status: 'ok' | 'off-target' | 'alert' | 'no-data';
  readonly detail?: string;
}

export interface Alert {
  readonly metric: MetricId;
  readonly value: number;
  readonly threshold: string;
  readonly message: string;
}

export interface SeriesPoint {
  readonly time: string;
  readonly value: number;
  readonly commit: string;
}

/** What git says about the branches right now (for lag and blocked time). */
export interface BranchState {
  /** Commits on staging that main lacks; 0 when main has everything. */
  readonly unpromotedCommits: number;
  /** Committer date of the oldest of them. */
  readonly oldestUnpromotedAt?: Date;
  /** The newest release tag's time, when the records hold no promotion. */
  readonly lastReleaseAt?: Date;
}

export interface MetricsReport {
  readonly generatedAt: string;
  readonly window: { readonly days: number; readonly since: string };
  readonly alertsVersion: string;
  readonly metrics: readonly MetricValue[];
  readonly alerts: readonly Alert[];
  readonly series: Readonly<Record<'p95Ms' | 'errorRatePercent' | 'lagHours' | 'buildTimeMinutes' | 'coveragePercent', readonly SeriesPoint[]>>;
  readonly counts: Readonly<Record<RunRecord['kind'], number>>;
}

const round = (value: number): number => Math.round(value * 100) / 100;
const percent = (part: number, whole: number): number | null => (whole === 0 ? null : round((part / whole) * 100));
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const LABELS: Record<MetricId, [string, string]> = {
  load_pass_rate_percent: ['Load-test pass rate', '%'],
  soak_pass_rate_percent: ['Soak-test pass rate', '%'],
  nightly_pass_rate_percent: ['Nightly pass rate (any cause)', '%'],
  error_rate_percent: ['Error rate, latest nightly (worst scenario)', '%'],
  p95_ms: ['p95 latency, latest nightly (worst scenario)', 'ms'],
  p95_regression_percent: ['p95 change vs median of earlier nightlies', '%'],
  staging_main_lag_hours: ['Staging → main lag, worst promotion', 'h'],
  blocked_hours: ['Blocked: staging ahead of main, no promotion', 'h'],
  hotfixes_per_month: ['Hotfix rate', '/month'],
  ci_success_rate_percent: ['CI success rate', '%'],
  build_time_minutes: ['Build time, latest CI run', 'min'],
  coverage_statements_percent: ['Coverage (statements), latest CI run', '%'],
};

/** Computes every metric of the deployment workflow from the records in the window and the branch state. */
export function computeMetrics(all: readonly RunRecord[], config: AlertsConfig, branches: BranchState, now: Date): MetricsReport {
  const since = new Date(now.getTime() - config.windowDays * 86_400_000);
  const records = all.filter((r) => Date.parse(r.time) >= since.getTime() && Date.parse(r.time) <= now.getTime());
  const of = (kind: RunRecord['kind']) => records.filter((r) => r.kind === kind);
  const nightlies = of('nightly');
  const withScenarios = nightlies.filter((r) => (r.nightly?.scenarios.length ?? 0) > 0);
  const loadRuns = withScenarios.map((r) => r.nightly?.scenarios.filter((s) => s.name.startsWith('load')) ?? []).filter((s) => s.length > 0);
  const soakRuns = withScenarios.map((r) => r.nightly?.scenarios.find((s) => s.name === 'soak')).filter((s) => s !== undefined);
  const point = (r: RunRecord, value: number): SeriesPoint => ({ time: r.time, value: round(value), commit: r.commit });
  const worst = (r: RunRecord, pick: (s: NonNullable<RunRecord['nightly']>['scenarios'][number]) => number) =>
    Math.max(...(r.nightly?.scenarios ?? []).map(pick));
  const p95Series = withScenarios.map((r) => point(r, worst(r, (s) => s.p95Ms)));
  const errorSeries = withScenarios.map((r) => point(r, worst(r, (s) => s.errorRate) * 100));
  const promotions = of('promotion');
  const lagSeries = promotions.filter((r) => r.release?.lagHours !== undefined).map((r) => point(r, r.release?.lagHours ?? 0));
  const ci = of('ci');
  const buildSeries = ci.filter((r) => r.ci?.buildTimeS !== undefined).map((r) => point(r, (r.ci?.buildTimeS ?? 0) / 60));
  const coverageSeries = ci.filter((r) => r.ci?.coverage !== undefined).map((r) => point(r, r.ci?.coverage?.statements ?? 0));

  const latestP95 = p95Series.at(-1);
  const earlierP95 = p95Series.slice(0, -1).map((p) => p.value);
  const p95Baseline = earlierP95.length > 0 ? median(earlierP95) : undefined;
  const lastPromotionAt = [...promotions.map((r) => new Date(r.time)), ...(branches.lastReleaseAt === undefined ? [] : [branches.lastReleaseAt])]
    .sort((a, b) => a.getTime() - b.getTime())
    .at(-1);
  const blockedSince =
    branches.unpromotedCommits === 0 || branches.oldestUnpromotedAt === undefined
      ? undefined
      : new Date(Math.max(branches.oldestUnpromotedAt.getTime(), lastPromotionAt?.getTime() ?? 0));

  const values: Record<MetricId, { value: number | null; samples: number; detail?: string }> = {
    load_pass_rate_percent: { value: percent(loadRuns.filter((s) => s.every((x) => x.passed)).length, loadRuns.length), samples: loadRuns.length },
    soak_pass_rate_percent: { value: percent(soakRuns.filter((s) => s.passed).length, soakRuns.length), samples: soakRuns.length },
    nightly_pass_rate_percent: { value: percent(nightlies.filter((r) => r.passed).length, nightlies.length), samples: nightlies.length },
    error_rate_percent: {
      value: errorSeries.at(-1)?.value ?? null,
      samples: errorSeries.length,
      ...(errorSeries.length > 0 ? { detail: `window mean ${round(errorSeries.reduce((a, p) => a + p.value, 0) / errorSeries.length)}%` } : {}),
    },
    p95_ms: { value: latestP95?.value ?? null, samples: p95Series.length },
    p95_regression_percent: {
      value: latestP95 === undefined || p95Baseline === undefined || p95Baseline === 0 ? null : round(((latestP95.value - p95Baseline) / p95Baseline) * 100),
      samples: p95Series.length,
      ...(p95Baseline === undefined ? {} : { detail: `baseline ${round(p95Baseline)} ms` }),
    },
    staging_main_lag_hours: {
      value: lagSeries.length === 0 ? null : Math.max(...lagSeries.map((p) => p.value)),
      samples: lagSeries.length,
      ...(lagSeries.length > 0 ? { detail: `mean ${round(lagSeries.reduce((a, p) => a + p.value, 0) / lagSeries.length)} h` } : {}),
    },
    blocked_hours: {
      value: blockedSince === undefined ? 0 : round((now.getTime() - blockedSince.getTime()) / 3_600_000),
      samples: 1,
      detail: blockedSince === undefined ? 'main contains staging' : `${branches.unpromotedCommits} commit(s) waiting since ${blockedSince.toISOString()}`,
    },
    hotfixes_per_month: { value: round(of('hotfix').length / (config.windowDays / 30)), samples: of('hotfix').length },
    ci_success_rate_percent: { value: percent(ci.filter((r) => r.passed).length, ci.length), samples: ci.length },
    build_time_minutes: { value: buildSeries.at(-1)?.value ?? null, samples: buildSeries.length },
    coverage_statements_percent: { value: coverageSeries.at(-1)?.value ?? null, samples: coverageSeries.length },
  };

  const metrics: MetricValue[] = [];
  const alerts: Alert[] = [];
  for (const [id, [label, unit]] of Object.entries(LABELS) as [MetricId, [string, string]][]) {
    const { value, samples, detail } = values[id];
    const thresholds = config.metrics[id] ?? {};
    let status: MetricValue['status'] = 'no-data';
    if (value !== null) {
      status = breaks(value, thresholds.alert) ? 'alert' : breaks(value, thresholds.target) ? 'off-target' : 'ok';
      if (status === 'alert') {
        const threshold = describeBound(thresholds.alert);
        alerts.push({ metric: id, value, threshold, message: `${label}: ${value} ${unit} (alert unless ${threshold})` });
      }
    }
    metrics.push({
      id,
      label,
      value,
      unit,
      samples,
      target: describeBound(thresholds.target),
      alert: describeBound(thresholds.alert),
      status,
      ...(detail === undefined ? {} : { detail }),
    });
  }
  const counts = { nightly: nightlies.length, ci: ci.length, promotion: promotions.length, hotfix: of('hotfix').length, rollback: of('rollback').length };
  return {
    generatedAt: now.toISOString(),
    window: { days: config.windowDays, since: since.toISOString() },
    alertsVersion: config.version,
    metrics,
    alerts,
    series: { p95Ms: p95Series, errorRatePercent: errorSeries, lagHours: lagSeries, buildTimeMinutes: buildSeries, coveragePercent: coverageSeries },
    counts,
  };
}
