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
  /** Which service or window the measured value comes from, or why it is missing. */
  readonly detail?: string;
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
  /** Median RSS of the settled start window and of the end window (bytes); absent when too few samples. */
  readonly settledStartRssBytes?: number;
  readonly endRssBytes?: number;
  /** Number of one-second samples the values come from. */
  readonly samples?: number;
}

/** What was sent to the system under test. */
export interface TargetInfo {
  /** `messaging-send` (the default) or `readyz-probe` (`--target readyz`). */
  readonly name: string;
  readonly description: string;
  /** True for a probe that is not the Messaging send path; a reader must not take it for the real thing. */
  readonly interim: boolean;
}

/** What the recipients' sockets saw during one scenario. */
export interface DeliveryCounts {
  /** Envelopes the 2xx sends stored (one per recipient device). */
  readonly expected: number;
  /** Of those, how many a recipient socket received (each counted once, redeliveries aside). */
  readonly delivered: number;
  /** Recipient sockets that dropped and were reconnected during the scenario. */
  readonly reconnects: number;
  /** Access-token refreshes made during the scenario (they must not disturb the schedule). */
  readonly tokenRefreshes: number;
}


/** How the generator itself did; a run is invalid when one of these went past its limit (see `invalidReasons`). */
export interface GeneratorHealth {
  /** Actual dispatch time minus intended time, in ms. */
  readonly dispatchLagMs: LatencySummary;
  /** perf_hooks event-loop delay of the generator process, in ms. */
  readonly eventLoopDelayMs: LatencySummary;
  /** The generator process's CPU, percent of one core, averaged over the scenario. */
  readonly cpuAvgPercent: number;
  /** HTTP connections the client pool was allowed (from rate x timeout, capped). */
  readonly connections: number;
  /** Most requests waiting in the client for a free connection at once (they still count from their intended time). */
  readonly peakClientQueue: number;
  /**
   * The generator's garbage-collection pauses over the scenario: answers that
   * arrive during one are timed only after it, so they add to the latency
   * measured. Absent in results written before 2026-12-02.
   */
  readonly gcPauses?: GcPauses;
}

/** Garbage-collection pauses of a process's main thread (perf_hooks `gc` entries). */
export interface GcPauses {
  /** Young-generation collections (scavenges). */
  readonly minor: number;
  /** Full collections (mark-compact). */
  readonly major: number;
  /** All pauses together, ms, incremental marking steps and weak callbacks included. */
  readonly totalMs: number;
  /** The longest one, ms. */
  readonly maxMs: number;
}

/** Errors by kind. */
export interface ErrorBreakdown {
  /** Non-2xx answers by status code. */
  readonly status: Readonly<Record<string, number>>;
  /** No answer within the request timeout (counted from the intended send time). */
  readonly timeouts: number;
  /** Refused, reset or otherwise failed connections. */
  readonly connection: number;
}

/** One second of a scenario (t = seconds since its start); latency by intended send second. */
export interface TimelinePoint {
  readonly t: number;
  readonly scheduled: number;
  /** Answers received during this second (throughput). */
  readonly completed: number;
  /** Errors among the requests intended in this second. */
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Send-to-delivery latency of the requests intended in this second (absent when the target does not observe delivery). */
  readonly deliveryP50Ms?: number | null;
  readonly deliveryP95Ms?: number | null;
  readonly deliveryP99Ms?: number | null;
  readonly dispatchLagMaxMs: number;
  readonly eventLoopDelayMaxMs: number;
  readonly generatorCpuPercent: number;
  /** The slowest disk probe sync started in this second, in ms (absent when the disk was not probed). */
  readonly diskSyncMaxMs?: number | null;
}

/**
 * What the disk probe saw during a scenario: a 4 KiB write and `fdatasync`
 * beside the services' databases every `intervalMs` (see DiskSyncProbe).
 * Context for the latency, not an objective.
 */
export interface DiskSyncSummary {
  readonly probes: number;
  readonly intervalMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** A sync slower than this counts as a stall. */
  readonly stallMs: number;
  readonly stalls: number;
  /** The slowest syncs, slowest first: seconds since the scenario's measured start, and ms. */
  readonly worst: readonly { readonly t: number; readonly ms: number }[];
}

/** One resource sample of one service process. */
export interface ResourceSample {
  /** Seconds since the scenario started. */
  readonly t: number;
  readonly cpuPercent: number;
  readonly rssBytes: number;
}

export interface ScenarioResult {
  /** `load-1k`, `load-64k`, `soak`, … */
  readonly name: string;
  readonly targetRps: number;
  readonly durationS: number;
  /** Unmeasured seconds of ramp-up before the measured `durationS` (absent in results written before it existed). */
  readonly warmupS?: number;
  readonly payloadBytes: number;
  readonly requests: { readonly scheduled: number; readonly completed: number; readonly ok: number; readonly errors: number };
  /** errors / scheduled, 0..1. */
  readonly errorRate: number;
  /** From the intended send time (coordinated omission corrected), in ms. */
  readonly latencyMs: LatencySummary;
  /** Intended send time to the envelope's arrival on a recipient's WebSocket, in ms, when measured. */
  readonly deliveryLatencyMs?: LatencySummary;
  /** Envelopes expected and received by the recipient sockets, when the target observes delivery. */
  readonly delivery?: DeliveryCounts;
  readonly resources: readonly ServiceResources[];
  /** Services whose CPU or memory growth could not be measured, and why (their objectives then fail). */
  readonly resourceGaps?: readonly { readonly service: string; readonly reason: string }[];
  /** False when the generator could not keep its schedule; an invalid run never passes. */
  readonly valid: boolean;
  readonly invalidReasons: readonly string[];
  readonly objectives: readonly ObjectiveResult[];
  readonly passed: boolean;
  /** What the requests went to. */
  readonly target?: TargetInfo;
  readonly errorBreakdown?: ErrorBreakdown;
  readonly generator?: GeneratorHealth;
  /** The disk probe's syncs during the scenario, when `sanctum smoke` started the services and probed their disk. */
  readonly disk?: DiskSyncSummary;
  /** Per-second series for the charts. */
  readonly timeline?: readonly TimelinePoint[];
  /** Per-second CPU and RSS of each monitored service. */
  readonly resourceSamples?: readonly { readonly service: string; readonly samples: readonly ResourceSample[] }[];
  /**
   * HdrHistogram compressed base64 (values in microseconds): the whole
   * scenario's latency, and delivery latency when measured. Decode with
   * hdr-histogram-js `decodeFromCompressedBase64`.
   */
  readonly histograms?: { readonly latencyUs: string; readonly deliveryUs?: string };
  /** Seconds of each scenario start and end, ISO 8601. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
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
  /** Scenarios that were asked for but did not run (a crash or a start-up failure stopped the run); any entry fails the run. */
  readonly notRun?: readonly { readonly scenario: string; readonly reason: string }[];
  /** Why the run could not complete (the platform did not start, …); present means failed. */
  readonly error?: string;
  /** Where each service's log is, relative to the output folder. */
  readonly logs?: readonly string[];
}
