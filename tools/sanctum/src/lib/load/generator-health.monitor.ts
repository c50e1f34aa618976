import { PerformanceObserver, constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram, NodeGCPerformanceDetail, PerformanceEntry } from 'node:perf_hooks';
import type { GcPauses, GeneratorHealth, LatencySummary } from '../smoke-result.js';
import { msToUs, newHistogram, summarize } from './latency.recorder.js';

/** How far the generator may fall behind before its run is invalid (from the SLO file's `generator` section). */
export interface GeneratorLimits {
  /** 99th percentile of (actual - intended) dispatch time. */
  readonly maxDispatchLagP99Ms: number;
  /** Worst single dispatch lag: one long stall means a burst instead of the asked-for rate. */
  readonly maxDispatchLagMs: number;
  readonly maxEventLoopDelayP99Ms: number;
  /** The generator's own CPU, percent of one core: near 100 it is the bottleneck, not the service. */
  readonly maxCpuPercent: number;
}

/** Per-second self-health values for the timeline. */
export interface HealthSecond {
  dispatchLagMaxMs: number;
  eventLoopDelayMaxMs: number;
  cpuPercent: number;
}

const NS_PER_MS = 1e6;

/**
 * Watches the generator itself: how late each request was dispatched, the
 * event-loop delay (perf_hooks), and the process's own CPU. A run during which
 * the generator could not keep its schedule measured a different load than the
 * one asked for, so `verdict` turns any limit exceeded into an invalid run.
 */
export class GeneratorHealthMonitor {
  private readonly lag = newHistogram(3);
  private readonly loopTotal: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly loopSecond: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly seconds: HealthSecond[] = [];
  private currentLagMax = 0;
  private cpuStart = process.cpuUsage();
  private cpuMark = this.cpuStart;
  private wallStart = performance.now();
  private wallMark = this.wallStart;
  private peakQueue = 0;
  private readonly gc = new GcPauseCounter();

  start(): void {
    this.loopTotal.enable();
    this.loopSecond.enable();
    this.gc.start();
    this.cpuStart = process.cpuUsage();
    this.cpuMark = this.cpuStart;
    this.wallStart = performance.now();
    this.wallMark = this.wallStart;
  }

  recordDispatchLag(lagMs: number): void {
    this.lag.recordValue(msToUs(Math.max(0, lagMs)));
    if (lagMs > this.currentLagMax) this.currentLagMax = lagMs;
  }

  observeQueue(queued: number): void {
    if (queued > this.peakQueue) this.peakQueue = queued;
  }

  /** Closes one second of the timeline; called by the generator's per-second tick. */
  closeSecond(): HealthSecond {
    const now = performance.now();
    const cpu = process.cpuUsage(this.cpuMark);
    const wallMs = now - this.wallMark;
    const second: HealthSecond = {
      dispatchLagMaxMs: round(this.currentLagMax),
      eventLoopDelayMaxMs: round(this.loopSecond.count > 0 ? this.loopSecond.max / NS_PER_MS : 0),
      cpuPercent: wallMs > 0 ? round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) : 0,
    };
    this.loopSecond.reset();
    this.currentLagMax = 0;
    this.cpuMark = process.cpuUsage();
    this.wallMark = now;
    this.seconds.push(second);
    return second;
  }

  timeline(): readonly HealthSecond[] {
    return this.seconds;
  }

  /** Stops the perf_hooks monitors and sums up; call once. */
  finish(connections: number): GeneratorHealth {
    this.loopTotal.disable();
    this.loopSecond.disable();
    const gcPauses = this.gc.finish();
    const cpu = process.cpuUsage(this.cpuStart);
    const wallMs = performance.now() - this.wallStart;
    const health: GeneratorHealth = {
      dispatchLagMs: summarize(this.lag),
      eventLoopDelayMs: loopSummary(this.loopTotal),
      cpuAvgPercent: wallMs > 0 ? round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) : 0,
      connections,
      peakClientQueue: this.peakQueue,
      gcPauses,
    };
    this.lag.destroy();
    return health;
  }
}

/**
 * Counts the garbage-collection pauses of this thread while started. The
 * observer's entries arrive on a later turn of the event loop, so `finish`
 * also takes those still buffered.
 */
class GcPauseCounter {
  private readonly observer = new PerformanceObserver((list) => {
    this.add(list.getEntries());
  });
  private pauses = { minor: 0, major: 0, totalMs: 0, maxMs: 0 };

  start(): void {
    this.pauses = { minor: 0, major: 0, totalMs: 0, maxMs: 0 };
    this.observer.observe({ entryTypes: ['gc'] });
  }

  finish(): GcPauses {
    this.add(this.observer.takeRecords());
    this.observer.disconnect();
    const { minor, major, totalMs, maxMs } = this.pauses;
    return { minor, major, totalMs: round(totalMs), maxMs: round(maxMs) };
  }

  private add(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) {
      const kind = (entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) this.pauses.minor += 1;
      else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) this.pauses.major += 1;
      this.pauses.totalMs += entry.duration;
      this.pauses.maxMs = Math.max(this.pauses.maxMs, entry.duration);
    }
  }
}

/** Reasons the run is invalid; empty when the generator kept its schedule. */
export function healthVerdict(health: GeneratorHealth, limits: GeneratorLimits): string[] {
  const reasons: string[] = [];
  if (health.dispatchLagMs.p99 > limits.maxDispatchLagP99Ms)
    reasons.push(`dispatch lag p99 ${health.dispatchLagMs.p99} ms exceeds ${limits.maxDispatchLagP99Ms} ms`);
  if (health.dispatchLagMs.max > limits.maxDispatchLagMs)
    reasons.push(`dispatch lag max ${health.dispatchLagMs.max} ms exceeds ${limits.maxDispatchLagMs} ms (the generator stalled)`);
  if (health.eventLoopDelayMs.p99 > limits.maxEventLoopDelayP99Ms)
    reasons.push(`event-loop delay p99 ${health.eventLoopDelayMs.p99} ms exceeds ${limits.maxEventLoopDelayP99Ms} ms`);
  if (health.cpuAvgPercent > limits.maxCpuPercent)
    reasons.push(`generator CPU ${health.cpuAvgPercent}% of a core exceeds ${limits.maxCpuPercent}% (it was the bottleneck)`);
  return reasons;
}

function loopSummary(histogram: IntervalHistogram): LatencySummary {
  if (histogram.count === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const ms = (ns: number): number => round(ns / NS_PER_MS);
  return {
    p50: ms(histogram.percentile(50)),
    p95: ms(histogram.percentile(95)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    mean: ms(histogram.mean),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
