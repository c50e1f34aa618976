/**
 * The contract between `sanctum smoke` (which writes `<out>/results.json`) and
 * the release commands (`nightly`, `promote`, `metrics`), which read it and
 * store a record of it with the tested commit. Add fields freely; never change
 * the meaning of an existing one without bumping `schemaVersion`.
 */

export const SMOKE_RESULT_SCHEMA_VERSION = 1;
export const SMOKE_RESULTS_FILE = 'results.json';

/** One service-level objective checked against one measured value. */
export interface ObjectiveResult {
  /** e.g. `error_rate`, `latency_p95_ms`, `latency_p99_ms`, `memory_growth_percent`, `cpu_avg_percent`. */
  readonly objective: string;
  /** The run passes the objective when `measured < threshold`. */
  readonly threshold: number;
  /** null when the value could not be measured, which fails the objective. */
  readonly measured: number | null;
  readonly unit: string;
  readonly passed: boolean;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface ServiceResources {
  readonly service: string;
  readonly cpuAvgPercent: number;
  /** Settled start vs end of the run, in percent. */
  readonly memoryGrowthPercent: number;
  readonly peakRssBytes: number;
}

export interface ScenarioResult {
  /** `load-1k`, `load-64k`, `soak`, … */
  readonly name: string;
  readonly targetRps: number;
  readonly durationS: number;
  readonly payloadBytes: number;
  readonly requests: { readonly scheduled: number; readonly completed: number; readonly ok: number; readonly errors: number };
  /** errors / scheduled, 0..1. */
  readonly errorRate: number;
  /** From the intended send time (coordinated omission corrected), in ms. */
  readonly latencyMs: LatencySummary;
  /** Store-to-delivery over WebSocket, in ms, when measured. */
  readonly deliveryLatencyMs?: LatencySummary;
  readonly resources: readonly ServiceResources[];
  /** False when the generator could not keep its schedule; an invalid run never passes. */
  readonly valid: boolean;
  readonly invalidReasons: readonly string[];
  readonly objectives: readonly ObjectiveResult[];
  readonly passed: boolean;
}

export interface SmokeResult {
  readonly schemaVersion: typeof SMOKE_RESULT_SCHEMA_VERSION;
  /** The commit of the system under test, when known. */
  readonly commit?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Path and version of the SLO file the run was judged by. */
  readonly slo: { readonly file: string; readonly version: string };
  readonly scenarios: readonly ScenarioResult[];
  /** Services that exited or restarted during the run (any entry fails the run). */
  readonly crashes: readonly { readonly service: string; readonly exit: string }[];
  readonly valid: boolean;
  /** valid, no crash, and every objective of every scenario passed. */
  readonly passed: boolean;
}
