/**
 * The record of one run — a nightly, a CI run, a promotion, a hotfix or a
 * rollback — stored with the commit it concerns (see record.store.ts). Every
 * metric of `sanctum metrics` is computed from these. Add fields freely; never
 * change the meaning of one without bumping `schemaVersion`.
 */

export const RUN_RECORD_SCHEMA_VERSION = 1;

export const RECORD_KINDS = ['nightly', 'ci', 'promotion', 'hotfix', 'rollback'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** One objective of one scenario, as `sanctum smoke` judged it. */
export interface ObjectiveSummary {
  readonly objective: string;
  readonly threshold: number;
  readonly measured: number | null;
  readonly unit: string;
  readonly passed: boolean;
}

export interface ScenarioSummary {
  /** `load-1k`, `load-64k`, `soak`, … */
  readonly name: string;
  readonly passed: boolean;
  readonly valid: boolean;
  /** errors / scheduled, 0..1. */
  readonly errorRate: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** The busiest service's average CPU, in percent. */
  readonly cpuAvgPercent: number | null;
  /** The largest memory growth of any service, in percent. */
  readonly memoryGrowthPercent: number | null;
  readonly objectives: readonly ObjectiveSummary[];
}

export interface NightlyFacts {
  readonly targetRps: number;
  readonly soakDurationMin: number;
  /** False when the load generator could not keep its schedule. */
  readonly valid: boolean;
  readonly scenarios: readonly ScenarioSummary[];
  readonly crashes: readonly { readonly service: string; readonly exit: string }[];
  /** The SLO file the run was judged by. */
  readonly slo?: { readonly file: string; readonly version: string };
  /** Why the run failed before or outside the SLOs (a step failed, no results file, …). */
  readonly failure?: string;
}

export interface CiFacts {
  /** Whether the whole CI run succeeded. */
  readonly success: boolean;
  readonly buildTimeS?: number;
  /** Coverage percentages of the run. */
  readonly coverage?: { readonly statements: number; readonly branches: number; readonly functions: number; readonly lines: number };
  readonly workflow?: string;
  readonly runId?: string;
}

export interface ReleaseFacts {
  readonly tag: string;
  /** Where main was before. */
  readonly previousMain: string;
  /** Hours from the oldest commit this release brought to main until the release. */
  readonly lagHours?: number;
  /** For hotfixes: the branch name. */
  readonly hotfix?: string;
}

export interface RollbackFacts {
  readonly tag: string;
  readonly previousMain: string;
  readonly previousStaging?: string;
}

export interface RunRecord {
  readonly schemaVersion: typeof RUN_RECORD_SCHEMA_VERSION;
  readonly kind: RecordKind;
  /** The commit the record is about (the tested, promoted or restored commit). */
  readonly commit: string;
  /** When the run finished, ISO 8601 UTC. */
  readonly time: string;
  readonly passed: boolean;
  readonly durationS?: number;
  readonly nightly?: NightlyFacts;
  readonly ci?: CiFacts;
  readonly release?: ReleaseFacts;
  readonly rollback?: RollbackFacts;
}

const SHA = /^[0-9a-f]{40}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one stored record. Returns the reason it is unusable, or undefined
 * when it is a record this version understands.
 */
export function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (value.schemaVersion !== RUN_RECORD_SCHEMA_VERSION) return `unknown schemaVersion ${String(value.schemaVersion)}`;
  if (typeof value.kind !== 'string' || !(RECORD_KINDS as readonly string[]).includes(value.kind)) return 'unknown kind';
  if (typeof value.commit !== 'string' || !SHA.test(value.commit)) return 'commit is not a full sha';
  if (typeof value.time !== 'string' || Number.isNaN(Date.parse(value.time))) return 'time is not a date';
  if (typeof value.passed !== 'boolean') return 'passed is not a boolean';
  if (value.kind === 'nightly' && !isObject(value.nightly)) return 'a nightly record needs nightly facts';
  if (value.kind === 'ci' && !isObject(value.ci)) return 'a ci record needs ci facts';
  if ((value.kind === 'promotion' || value.kind === 'hotfix') && !isObject(value.release)) return `a ${value.kind} record needs release facts`;
  if (value.kind === 'rollback' && !isObject(value.rollback)) return 'a rollback record needs rollback facts';
  if (isObject(value.nightly) && !Array.isArray(value.nightly.scenarios)) return 'nightly.scenarios is not a list';
  return undefined;
}

/** Parses one JSON line of a note; throws with the reason when it is not a usable record. */
export function parseRecord(line: string): RunRecord {
  const value: unknown = JSON.parse(line);
  const problem = recordProblem(value);
  if (problem !== undefined) throw new Error(`invalid run record: ${problem}`);
  return value as RunRecord;
}
