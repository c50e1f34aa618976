import { GeneratorHealthMonitor, healthVerdict } from './generator-health.monitor.js';
import { LatencyRecorder, encode, summarize } from './latency.recorder.js';
import type { SendOutcome, SendRequest, TargetSession } from './load-target.contract.js';
import type { OpenLoopOptions, OpenLoopResult, SecondRecord } from './open-loop.types.js';

export type { OpenLoopOptions, OpenLoopResult, SecondProgress, SecondRecord } from './open-loop.types.js';

const SWEEP_EVERY_MS = 20;
/** Most requests dispatched in one go before yielding to I/O. */
const MAX_BATCH = 256;

/**
 * Runs one scenario open-loop: request i is due at start + i/rate whatever
 * happened to the earlier ones, and its latency is measured from that
 * intended time, so a stalled service cannot slow the schedule down and hide
 * its own stall (no coordinated omission). Every scheduled request ends as
 * exactly one of ok, non-2xx, timeout or connection error.
 *
 * With `warmupS`, the schedule starts that long earlier, its rate rising
 * steadily from zero to the target on the same connections, and those first
 * requests are sent but not measured: the measured part begins on warm code
 * and open connections, with no seam in the load. A ramp rather than the
 * full rate from the first instant (as wrk2 calibrates): a cold service that
 * falls behind in its first seconds at a rate near its capacity carries that
 * backlog into the measured part and never works it off (docs/benchmarks.md,
 * "64 KiB sends at the edge of capacity"); rising to the rate, it warms up
 * (JIT, pools, where its writes run) under the load it is about to get.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const run = new OpenLoopRun(options);
  return run.execute();
}

class OpenLoopRun {
  /** Measured requests. */
  private readonly total: number;
  /** Unmeasured requests sent before them, on the ramp; schedule index i is measured request i - warmup. */
  private readonly warmup: number;
  private readonly warmupMs: number;
  private readonly intervalMs: number;
  private readonly connections: number;
  private readonly latency = new LatencyRecorder();
  private readonly delivery = new LatencyRecorder();
  private readonly health = new GeneratorHealthMonitor();
  private readonly inflight = new Map<number, SendRequest>();
  private readonly perSecond = new Map<number, { scheduled: number; completed: number; errors: number }>();
  private readonly counts = { completed: 0, ok: 0, errors: 0, timeouts: 0, connection: 0 };
  private readonly statuses: Record<string, number> = {};
  /** When the first measured request is due (warm-up requests are due before it). */
  private start = 0;
  /** Next schedule index to dispatch, warm-up included. */
  private next = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lastSecondCompleted = 0;
  private drained: (() => void) | undefined;

  constructor(private readonly options: OpenLoopOptions) {
    if (!(options.targetRps > 0) || !(options.durationS > 0)) throw new Error('target rate and duration must be positive');
    this.total = Math.max(1, Math.round(options.targetRps * options.durationS));
    const rampMs = Math.max(0, (options.warmupS ?? 0) * 1000);
    // A linear ramp from 0 to the rate over the warm-up holds half the requests the full rate would.
    this.warmup = Math.round((options.targetRps * rampMs) / 2000);
    // A ramp too short to hold one request is no warm-up at all.
    this.warmupMs = this.warmup > 0 ? rampMs : 0;
    this.intervalMs = 1000 / options.targetRps;
    // Little's law: at worst every request waits the full timeout, so rate x timeout sockets keep the schedule.
    this.connections = Math.max(1, Math.min(options.maxConnections, Math.ceil((options.targetRps * options.timeoutMs) / 1000)));
  }

  async execute(): Promise<OpenLoopResult> {
    const { options } = this;
    const session = await options.target.open({
      scenario: options.scenario,
      targetRps: options.targetRps,
      durationS: options.durationS,
      payloadBytes: options.payloadBytes,
      connections: this.connections,
      timeoutMs: options.timeoutMs,
      warmupRequests: this.warmup,
      recordDelivery: (ms, index) => {
        if (index >= this.warmup) this.delivery.record(this.intendedSecond(index), ms);
      },
    });
    this.start = performance.now() + this.warmupMs;
    // Wall-clock time of the first measured intended send, to the sub-millisecond (tests line it up with a server's clock).
    const startedAtMs = performance.timeOrigin + this.start;
    let sweeps = 0;
    const sweeper = setInterval(() => {
      this.sweepTimeouts();
      if (++sweeps % 5 === 0) this.health.observeQueue(session.queued());
    }, SWEEP_EVERY_MS);
    try {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        this.tick(session);
      });
    } finally {
      clearInterval(sweeper);
      clearInterval(this.ticker);
    }
    this.closeSecond();
    const finishedAtMs = performance.timeOrigin + performance.now();
    await session.close();
    return this.result(startedAtMs, finishedAtMs, session);
  }

  /** Dispatches every request whose intended time has come, then sleeps until the next one is due. */
  private tick(session: TargetSession): void {
    const now = performance.now();
    let batch = 0;
    const last = this.warmup + this.total;
    while (this.next < last && this.dueAt(this.next) <= now && batch < MAX_BATCH) {
      this.dispatch(session, this.next);
      this.next += 1;
      batch += 1;
    }
    if (batch === MAX_BATCH) {
      // Behind schedule: let answers be read before sending the rest, or a catch-up burst would inflate their latency.
      setImmediate(() => {
        this.tick(session);
      });
    } else if (this.next < last) {
      const wait = this.dueAt(this.next) - performance.now();
      setTimeout(() => {
        this.tick(session);
      }, Math.max(0, wait));
    } else {
      this.checkDrained();
    }
  }

  private dispatch(session: TargetSession, index: number): void {
    const intendedAt = this.dueAt(index);
    if (index === this.warmup) this.startMeasuring();
    if (index >= this.warmup) {
      this.health.recordDispatchLag(performance.now() - intendedAt);
      this.bucket(this.intendedSecond(index)).scheduled += 1;
    }
    const entry: SendRequest = { index, intendedAt };
    this.inflight.set(index, entry);
    session.send(entry).then(
      (outcome) => {
        this.settle(entry, outcome);
      },
      (error: unknown) => {
        this.settle(entry, { kind: 'connection', detail: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  /** The generator's health and the per-second timeline cover the measured part only. */
  private startMeasuring(): void {
    this.health.start();
    this.ticker = setInterval(() => {
      this.closeSecond();
    }, 1000);
  }

  /**
   * When schedule index `index` is due. Measured ones follow `start` at the
   * rate's interval. Warm-up ones fall on the ramp before it: with the rate
   * rising linearly to R requests a second over W ms, k requests have been
   * due after sqrt(2 W k 1000 / R) ms, so index `warmup` (R W / 2000) lands
   * exactly on `start`.
   */
  private dueAt(index: number): number {
    if (index >= this.warmup) return this.start + (index - this.warmup) * this.intervalMs;
    return this.start - this.warmupMs + Math.sqrt((2 * this.warmupMs * index * 1000) / this.options.targetRps);
  }

  private settle(entry: SendRequest, outcome: SendOutcome): void {
    // Already counted as a timeout: the late answer changes nothing.
    if (!this.inflight.delete(entry.index)) return;
    if (entry.index < this.warmup) {
      this.checkDrained();
      return;
    }
    const now = performance.now();
    this.latency.record(this.intendedSecond(entry.index), now - entry.intendedAt);
    if (outcome.kind === 'connection') {
      this.countError(entry, 'connection');
    } else {
      this.counts.completed += 1;
      this.bucket(this.secondOf(now)).completed += 1;
      if (outcome.kind === 'ok') this.counts.ok += 1;
      else {
        this.statuses[String(outcome.status)] = (this.statuses[String(outcome.status)] ?? 0) + 1;
        this.countError(entry, null);
      }
    }
    this.checkDrained();
  }

  /** In-flight entries are in intended order, so the sweep stops at the first one still in time. */
  private sweepTimeouts(): void {
    const now = performance.now();
    for (const entry of this.inflight.values()) {
      if (now - entry.intendedAt < this.options.timeoutMs) break;
      this.inflight.delete(entry.index);
      entry.cancel?.(new Error('request timed out'));
      if (entry.index < this.warmup) continue;
      this.latency.record(this.intendedSecond(entry.index), now - entry.intendedAt);
      this.countError(entry, 'timeouts');
    }
    this.checkDrained();
  }

  private countError(entry: SendRequest, kind: 'timeouts' | 'connection' | null): void {
    this.counts.errors += 1;
    if (kind !== null) this.counts[kind] += 1;
    this.bucket(this.intendedSecond(entry.index)).errors += 1;
  }

  private checkDrained(): void {
    if (this.next >= this.warmup + this.total && this.inflight.size === 0 && this.drained !== undefined) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }

  private closeSecond(): void {
    const second = this.health.closeSecond();
    const elapsedS = this.health.timeline().length;
    const rate = this.counts.completed - this.lastSecondCompleted;
    this.lastSecondCompleted = this.counts.completed;
    this.options.onSecond?.({
      scenario: this.options.scenario,
      elapsedS,
      durationS: this.options.durationS,
      sent: Math.max(0, this.next - this.warmup),
      rate,
      errors: this.counts.errors,
      p95Ms: summarize(this.latency.total).p95,
      dispatchLagMaxMs: second.dispatchLagMaxMs,
    });
  }

  /** From the index, not the float time, so measured request 200 at 200 req/s is exactly in second 1. */
  private intendedSecond(index: number): number {
    return Math.floor((index - this.warmup) / this.options.targetRps + 1e-9);
  }

  private secondOf(time: number): number {
    return Math.max(0, Math.floor((time - this.start) / 1000));
  }

  private bucket(second: number): { scheduled: number; completed: number; errors: number } {
    let bucket = this.perSecond.get(second);
    if (bucket === undefined) {
      bucket = { scheduled: 0, completed: 0, errors: 0 };
      this.perSecond.set(second, bucket);
    }
    return bucket;
  }

  private result(startedAtMs: number, finishedAtMs: number, session: TargetSession): OpenLoopResult {
    const generator = this.health.finish(this.connections);
    const healthSeconds = this.health.timeline();
    const lastSecond = Math.max(healthSeconds.length, ...[...this.perSecond.keys()].map((s) => s + 1), ...this.latency.seconds().map((s) => s + 1));
    const seconds: SecondRecord[] = [];
    for (let t = 0; t < lastSecond; t += 1) {
      const bucket = this.perSecond.get(t) ?? { scheduled: 0, completed: 0, errors: 0 };
      const histogram = this.latency.second(t);
      const delivered = this.delivery.second(t);
      seconds.push({
        t,
        ...bucket,
        latency: histogram === undefined ? null : summarize(histogram),
        ...(delivered === undefined ? {} : { delivery: summarize(delivered) }),
        health: healthSeconds[t] ?? { dispatchLagMaxMs: 0, eventLoopDelayMaxMs: 0, cpuPercent: 0 },
      });
    }
    const { target } = this.options;
    const observed = this.delivery.total.totalCount > 0;
    const delivery = session.delivery?.();
    const result: OpenLoopResult = {
      scenario: this.options.scenario,
      target: { name: target.name, description: target.description, interim: target.interim },
      payloadBytes: session.payloadBytes,
      warmupS: this.warmupMs / 1000,
      startedAtMs,
      finishedAtMs,
      requests: { scheduled: this.total, completed: this.counts.completed, ok: this.counts.ok, errors: this.counts.errors },
      errorBreakdown: { status: { ...this.statuses }, timeouts: this.counts.timeouts, connection: this.counts.connection },
      latencyMs: summarize(this.latency.total),
      ...(observed ? { deliveryLatencyMs: summarize(this.delivery.total) } : {}),
      ...(delivery === undefined ? {} : { delivery }),
      histograms: {
        latencyUs: encode(this.latency.total),
        ...(observed ? { deliveryUs: encode(this.delivery.total) } : {}),
      },
      seconds,
      intervalLog: this.latency.intervalLog(startedAtMs),
      generator,
      invalidReasons: healthVerdict(generator, this.options.limits),
    };
    this.latency.destroy();
    this.delivery.destroy();
    return result;
  }
}
