import type { ServiceResources } from '../smoke-result.js';
import type { SloFile } from './slo.schema.js';

/** One reading of one process: cumulative CPU seconds and resident memory. */
export interface ProcessReading {
  /** Wall-clock ms (epoch) of the reading. */
  readonly atMs: number;
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export interface MemoryGrowth {
  readonly growthPercent: number;
  readonly startMedianBytes: number;
  readonly endMedianBytes: number;
}

/**
 * Memory growth from the settled start to the end of a run, robust to GC
 * noise: the first `warmupFraction` of the samples is skipped (start-up, JIT,
 * caches filling), then the median RSS of a window there is compared with the
 * median of the same-sized window at the end. A single GC before or after a
 * sample moves a median little; a leak moves the whole end window. Returns
 * null when there are too few samples to say (a missing measurement fails).
 */
export function memoryGrowth(rss: readonly number[], method: SloFile['memoryGrowth']): MemoryGrowth | null {
  const n = rss.length;
  const warmup = Math.ceil(n * method.warmupFraction);
  const window = Math.max(method.minWindowSamples, Math.round(n * method.windowFraction));
  if (warmup + 2 * window > n) return null;
  const startMedianBytes = median(rss.slice(warmup, warmup + window));
  const endMedianBytes = median(rss.slice(n - window));
  if (startMedianBytes <= 0) return null;
  return {
    growthPercent: round(((endMedianBytes - startMedianBytes) / startMedianBytes) * 100),
    startMedianBytes,
    endMedianBytes,
  };
}

/** Average CPU over the readings, percent of one core (100 = one core busy); null with fewer than two readings. */
export function cpuAverage(readings: readonly ProcessReading[]): number | null {
  const first = readings[0];
  const last = readings.at(-1);
  if (first === undefined || last === undefined || last.atMs <= first.atMs) return null;
  return round(((last.cpuSeconds - first.cpuSeconds) / ((last.atMs - first.atMs) / 1000)) * 100);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

export interface ResourceVerdict {
  /** Services whose CPU and memory growth were both measured. */
  readonly resources: ServiceResources[];
  /** Services (or the whole run) where something could not be measured, and why. */
  readonly gaps: { service: string; reason: string }[];
  /** The worst service's values, for the objectives; null when nothing was measured. */
  readonly worstCpu: { value: number; service: string } | null;
  readonly worstGrowth: { value: number; service: string } | null;
}

/** Sums up each service's readings over one scenario. */
export function summarizeResources(
  byService: ReadonlyMap<string, readonly ProcessReading[]>,
  method: SloFile['memoryGrowth'],
): ResourceVerdict {
  const resources: ServiceResources[] = [];
  const gaps: { service: string; reason: string }[] = [];
  let worstCpu: ResourceVerdict['worstCpu'] = null;
  let worstGrowth: ResourceVerdict['worstGrowth'] = null;
  if (byService.size === 0) gaps.push({ service: '*', reason: 'no service process was monitored' });
  for (const [service, readings] of byService) {
    const cpu = cpuAverage(readings);
    const growth = memoryGrowth(
      readings.map((r) => r.rssBytes),
      method,
    );
    if (cpu === null) gaps.push({ service, reason: `CPU not measured (${readings.length} samples)` });
    if (growth === null) gaps.push({ service, reason: `memory growth not measured (${readings.length} samples; too few for the settled windows)` });
    if (cpu !== null && (worstCpu === null || cpu > worstCpu.value)) worstCpu = { value: cpu, service };
    if (growth !== null && (worstGrowth === null || growth.growthPercent > worstGrowth.value))
      worstGrowth = { value: growth.growthPercent, service };
    if (cpu !== null && growth !== null) {
      resources.push({
        service,
        cpuAvgPercent: cpu,
        memoryGrowthPercent: growth.growthPercent,
        peakRssBytes: Math.max(...readings.map((r) => r.rssBytes)),
        settledStartRssBytes: growth.startMedianBytes,
        endRssBytes: growth.endMedianBytes,
        samples: readings.length,
      });
    }
  }
  // One unmeasured service hides its value from the worst-of: then the objective has no measurement.
  const cpuGap = gaps.some((g) => g.reason.startsWith('CPU') || g.service === '*');
  const growthGap = gaps.some((g) => g.reason.startsWith('memory') || g.service === '*');
  return { resources, gaps, worstCpu: cpuGap ? null : worstCpu, worstGrowth: growthGap ? null : worstGrowth };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
