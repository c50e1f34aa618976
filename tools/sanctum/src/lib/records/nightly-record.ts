import type { SmokeResult } from '../smoke-result.js';
import { RUN_RECORD_SCHEMA_VERSION } from './run-record.js';
import type { NightlyFacts, RunRecord, ScenarioSummary } from './run-record.js';

function maxOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

/** The per-scenario facts of a smoke run that the metrics trend on. */
export function summarizeScenarios(result: SmokeResult): ScenarioSummary[] {
  return result.scenarios.map((scenario) => ({
    name: scenario.name,
    passed: scenario.passed,
    valid: scenario.valid,
    errorRate: scenario.errorRate,
    p95Ms: scenario.latencyMs.p95,
    p99Ms: scenario.latencyMs.p99,
    cpuAvgPercent: maxOrNull(scenario.resources.map((r) => r.cpuAvgPercent)),
    memoryGrowthPercent: maxOrNull(scenario.resources.map((r) => r.memoryGrowthPercent)),
    objectives: scenario.objectives.map((o) => ({
      objective: o.objective,
      threshold: o.threshold,
      measured: o.measured,
      unit: o.unit,
      passed: o.passed,
    })),
  }));
}

export interface NightlyRecordInput {
  readonly commit: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly targetRps: number;
  readonly soakDurationMin: number;
  /** The smoke results, when the run got that far and they could be read. */
  readonly result?: SmokeResult;
  /** Why the run failed outside the SLOs. */
  readonly failure?: string;
}

/** Builds the record of one nightly run; passed only with readable, passing results and no other failure. */
export function nightlyRecord(input: NightlyRecordInput): RunRecord {
  const result = input.result;
  const nightly: NightlyFacts = {
    targetRps: input.targetRps,
    soakDurationMin: input.soakDurationMin,
    valid: result?.valid ?? false,
    scenarios: result === undefined ? [] : summarizeScenarios(result),
    crashes: result?.crashes.map((c) => ({ service: c.service, exit: c.exit })) ?? [],
    ...(result === undefined ? {} : { slo: { file: result.slo.file, version: result.slo.version } }),
    ...(input.failure === undefined ? {} : { failure: input.failure }),
  };
  return {
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    kind: 'nightly',
    commit: input.commit,
    time: input.finishedAt.toISOString(),
    passed: input.failure === undefined && result?.passed === true,
    durationS: Math.round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000),
    nightly,
  };
}

/** Why a nightly record did not pass, in one line. */
export function failureReason(record: RunRecord): string {
  const nightly = record.nightly;
  if (record.passed) return 'passed';
  if (nightly === undefined) return 'not a nightly record';
  if (nightly.failure !== undefined) return nightly.failure;
  if (!nightly.valid) return 'the run was invalid (the load generator could not keep its schedule)';
  if (nightly.crashes.length > 0) return `service crash: ${nightly.crashes.map((c) => `${c.service} (${c.exit})`).join(', ')}`;
  const failed = nightly.scenarios.flatMap((s) =>
    s.objectives.filter((o) => !o.passed).map((o) => `${s.name} ${o.objective} ${o.measured ?? 'unmeasured'} ≥ ${o.threshold} ${o.unit}`),
  );
  return failed.length > 0 ? `SLO failed: ${failed.join('; ')}` : 'the smoke run did not pass';
}
