import type { DeliveryCounts, ErrorBreakdown, GeneratorHealth, LatencySummary, TargetInfo } from '../smoke-result.js';
import type { GeneratorLimits, HealthSecond } from './generator-health.monitor.js';
import type { LoadTarget } from './load-target.contract.js';

// The open-loop generator's inputs and outputs (the run itself is in open-loop.generator.ts).

export interface OpenLoopOptions {
  scenario: string;
  target: LoadTarget;
  targetRps: number;
  durationS: number;
  /** Seconds before the measured part, the rate rising from zero to `targetRps`; sent but not measured (default 0). */
  warmupS?: number;
  payloadBytes: number;
  /** A request unanswered this long after its intended send time is a timeout. */
  timeoutMs: number;
  /** Upper bound on the connection pool (rate x timeout is usually far more than a service needs). */
  maxConnections: number;
  limits: GeneratorLimits;
  /** Called once per second with the run so far (for the progress line). */
  onSecond?: (progress: SecondProgress) => void;
}

export interface SecondProgress {
  readonly scenario: string;
  /** Seconds since the schedule started. */
  readonly elapsedS: number;
  readonly durationS: number;
  readonly sent: number;
  /** Answers per second over the last second. */
  readonly rate: number;
  readonly errors: number;
  readonly p95Ms: number;
  readonly dispatchLagMaxMs: number;
}

export interface OpenLoopResult {
  readonly scenario: string;
  readonly target: TargetInfo;
  readonly payloadBytes: number;
  /** Unmeasured seconds of ramp-up before `startedAtMs`. */
  readonly warmupS: number;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly requests: { scheduled: number; completed: number; ok: number; errors: number };
  readonly errorBreakdown: ErrorBreakdown;
  readonly latencyMs: LatencySummary;
  readonly deliveryLatencyMs?: LatencySummary;
  readonly delivery?: DeliveryCounts;
  readonly histograms: { latencyUs: string; deliveryUs?: string };
  /** Per-second (by intended send time) latency, errors and generator health. */
  readonly seconds: readonly SecondRecord[];
  /** HdrHistogram interval log (one histogram per intended second), for HdrHistogram tools. */
  readonly intervalLog: string;
  readonly generator: GeneratorHealth;
  readonly invalidReasons: readonly string[];
}

export interface SecondRecord {
  readonly t: number;
  readonly scheduled: number;
  readonly completed: number;
  readonly errors: number;
  readonly latency: LatencySummary | null;
  /** Send-to-delivery latency of this second's requests, when the target reported any. */
  readonly delivery?: LatencySummary;
  readonly health: HealthSecond;
}
