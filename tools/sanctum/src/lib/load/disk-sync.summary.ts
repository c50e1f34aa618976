import type { DiskSyncSummary } from '../smoke-result.js';
import type { DiskSyncSample } from './disk-sync.probe.js';

/** A sync slower than this is a stall: a hundred times the median of a quiet disk, and a send's whole p95 target several times over. */
export const DISK_STALL_MS = 50;
/** How many of the slowest syncs the record lists. */
const WORST_LISTED = 5;

/**
 * What the disk probe saw during one scenario: the spread of its sync times,
 * how many stalled, and when the worst ones were (seconds since `startMs`,
 * the scenario's first measured send). Undefined without samples.
 *
 * @example
 * summarizeDiskSyncs([{ atMs: 1000, ms: 0.3 }, { atMs: 1100, ms: 180 }], 0, 100)
 * // → { probes: 2, intervalMs: 100, p50Ms: 0.3, p99Ms: 180, maxMs: 180, stallMs: 50, stalls: 1, worst: [{ t: 1.1, ms: 180 }, { t: 1, ms: 0.3 }] }
 */
export function summarizeDiskSyncs(samples: readonly DiskSyncSample[], startMs: number, intervalMs: number): DiskSyncSummary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const quantile = (q: number): number => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
  const worst = [...samples]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, WORST_LISTED)
    .map((s) => ({ t: secondsSince(s.atMs, startMs), ms: round(s.ms) }));
  return {
    probes: samples.length,
    intervalMs,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
    stallMs: DISK_STALL_MS,
    stalls: samples.filter((s) => s.ms > DISK_STALL_MS).length,
    worst,
  };
}

/** The slowest sync started in each second since `startMs`, for the per-second timeline. */
export function slowestSyncBySecond(samples: readonly DiskSyncSample[], startMs: number): Map<number, number> {
  const bySecond = new Map<number, number>();
  for (const sample of samples) {
    const second = Math.floor((sample.atMs - startMs) / 1000);
    if (second < 0) continue;
    bySecond.set(second, Math.max(bySecond.get(second) ?? 0, round(sample.ms)));
  }
  return bySecond;
}

function secondsSince(atMs: number, startMs: number): number {
  return Math.round((atMs - startMs) / 100) / 10;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
