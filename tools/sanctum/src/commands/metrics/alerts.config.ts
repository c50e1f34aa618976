import { readFile } from 'node:fs/promises';
import { AppError } from '@sanctum/kernel';

/** The metrics `sanctum metrics` computes, by id (the keys of slo/alerts.json). */
export const METRIC_IDS = [
  'load_pass_rate_percent',
  'soak_pass_rate_percent',
  'nightly_pass_rate_percent',
  'error_rate_percent',
  'p95_ms',
  'p95_regression_percent',
  'staging_main_lag_hours',
  'blocked_hours',
  'hotfixes_per_month',
  'ci_success_rate_percent',
  'build_time_minutes',
  'coverage_statements_percent',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

/** A bound: the value must stay at or above `min`, at or below `max`. */
export interface Bound {
  readonly min?: number;
  readonly max?: number;
}

export interface MetricThresholds {
  readonly target?: Bound;
  readonly alert?: Bound;
}

export interface AlertsConfig {
  readonly version: string;
  readonly windowDays: number;
  readonly metrics: Partial<Record<MetricId, MetricThresholds>>;
}

function bad(file: string, problem: string): AppError {
  return new AppError('GATE_BAD_ALERTS_FILE', `${file}: ${problem}`, 400);
}

function parseBound(file: string, path: string, value: unknown): Bound | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw bad(file, `${path} must be an object with min and/or max`);
  const bound: { min?: number; max?: number } = {};
  for (const [key, limit] of Object.entries(value)) {
    if ((key !== 'min' && key !== 'max') || typeof limit !== 'number') throw bad(file, `${path}.${key} must be min or max with a number`);
    bound[key] = limit;
  }
  return bound;
}

/** Reads and checks the versioned thresholds file (every problem is a 400 naming the field). */
export async function loadAlertsConfig(file: string): Promise<AlertsConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw bad(file, 'missing or not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw bad(file, 'not an object');
  const { version, windowDays, metrics } = raw as Record<string, unknown>;
  if (typeof version !== 'string') throw bad(file, 'version must be a string');
  if (typeof windowDays !== 'number' || windowDays <= 0) throw bad(file, 'windowDays must be a positive number');
  if (typeof metrics !== 'object' || metrics === null) throw bad(file, 'metrics must be an object');
  const parsed: Partial<Record<MetricId, MetricThresholds>> = {};
  for (const [id, thresholds] of Object.entries(metrics)) {
    if (!(METRIC_IDS as readonly string[]).includes(id)) throw bad(file, `unknown metric ${id} (known: ${METRIC_IDS.join(', ')})`);
    const entry = (thresholds ?? {}) as Record<string, unknown>;
    const target = parseBound(file, `metrics.${id}.target`, entry.target);
    const alert = parseBound(file, `metrics.${id}.alert`, entry.alert);
    parsed[id as MetricId] = { ...(target === undefined ? {} : { target }), ...(alert === undefined ? {} : { alert }) };
  }
  return { version, windowDays, metrics: parsed };
}

/** Whether `value` breaks `bound` (strictly: at the limit is still fine). */
export function breaks(value: number, bound: Bound | undefined): boolean {
  if (bound === undefined) return false;
  return (bound.min !== undefined && value < bound.min) || (bound.max !== undefined && value > bound.max);
}

export function describeBound(bound: Bound | undefined): string {
  if (bound === undefined) return '';
  const parts = [];
  if (bound.min !== undefined) parts.push(`≥ ${bound.min}`);
  if (bound.max !== undefined) parts.push(`≤ ${bound.max}`);
  return parts.join(' and ');
}
