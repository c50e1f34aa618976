import { HistogramLogWriter, build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../smoke-result.js';

/** Values are recorded in microseconds: integer buckets, 1 µs resolution, up to one hour. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(significantDigits: 1 | 2 | 3 | 4 | 5 = 3): Histogram {
  return build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: significantDigits,
    autoResize: false,
    useWebAssembly: false,
  });
}

export function msToUs(ms: number): number {
  return Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));
}

/** p50/p95/p99/max/mean of a microsecond histogram, in ms (0 everywhere when empty). */
export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}

export function encode(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/**
 * The latency of a scenario: one histogram for the whole run (3 significant
 * digits, for the SLO) and one per intended-send second (2 digits, for the
 * latency-over-time chart and the .hlog interval log).
 */
export class LatencyRecorder {
  readonly total = newHistogram(3);
  private readonly perSecond = new Map<number, Histogram>();

  /** Records one latency measured from the request's intended send time. */
  record(intendedSecond: number, latencyMs: number): void {
    const us = msToUs(latencyMs);
    this.total.recordValue(us);
    let interval = this.perSecond.get(intendedSecond);
    if (interval === undefined) {
      interval = newHistogram(2);
      this.perSecond.set(intendedSecond, interval);
    }
    interval.recordValue(us);
  }

  second(second: number): Histogram | undefined {
    return this.perSecond.get(second);
  }

  /** Seconds that have at least one value, ascending. */
  seconds(): number[] {
    return [...this.perSecond.keys()].sort((a, b) => a - b);
  }

  /**
   * The per-second histograms as an HdrHistogram interval log (the format of
   * HdrHistogram's HistogramLogProcessor and HistogramLogAnalyzer), values in µs.
   */
  intervalLog(startedAtMs: number): string {
    const lines: string[] = [];
    const writer = new HistogramLogWriter((text) => lines.push(text));
    writer.outputLogFormatVersion();
    writer.outputStartTime(startedAtMs);
    writer.outputLegend();
    const ordered = [...this.perSecond].sort(([a], [b]) => a - b);
    for (const [second, histogram] of ordered) writer.outputIntervalHistogram(histogram, second, second + 1, 1000);
    return lines.join('');
  }

  destroy(): void {
    this.total.destroy();
    for (const histogram of this.perSecond.values()) histogram.destroy();
    this.perSecond.clear();
  }
}
