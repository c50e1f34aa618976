import { describe, expect, it } from 'vitest';
import { GeneratorHealthMonitor, healthVerdict } from '../src/lib/load/generator-health.monitor.js';

const LIMITS = { maxDispatchLagP99Ms: 25, maxDispatchLagMs: 500, maxEventLoopDelayP99Ms: 50, maxCpuPercent: 90 };
const summary = (p99: number, max = p99) => ({ p50: 0, p95: 0, p99, max, mean: 0 });

describe('generator health', () => {
  it('names every limit the generator went past', () => {
    const reasons = healthVerdict(
      { dispatchLagMs: summary(30, 600), eventLoopDelayMs: summary(60), cpuAvgPercent: 95, connections: 10, peakClientQueue: 0 },
      LIMITS,
    );
    expect(reasons).toEqual([
      'dispatch lag p99 30 ms exceeds 25 ms',
      'dispatch lag max 600 ms exceeds 500 ms (the generator stalled)',
      'event-loop delay p99 60 ms exceeds 50 ms',
      'generator CPU 95% of a core exceeds 90% (it was the bottleneck)',
    ]);
    expect(healthVerdict({ dispatchLagMs: summary(1), eventLoopDelayMs: summary(1), cpuAvgPercent: 5, connections: 1, peakClientQueue: 0 }, LIMITS)).toEqual([]);
  });

  it('records per-second lag and the peak client queue, and sums up an idle run as zeros', () => {
    const monitor = new GeneratorHealthMonitor();
    monitor.start();
    monitor.recordDispatchLag(3);
    monitor.recordDispatchLag(-1);
    monitor.observeQueue(7);
    monitor.observeQueue(2);
    expect(monitor.closeSecond().dispatchLagMaxMs).toBe(3);
    expect(monitor.closeSecond().dispatchLagMaxMs).toBe(0);
    const health = monitor.finish(4);
    expect(health).toMatchObject({ connections: 4, peakClientQueue: 7 });
    expect(health.dispatchLagMs.max).toBeCloseTo(3, 2);
    expect(monitor.timeline()).toHaveLength(2);
  });

  it('counts the garbage-collection pauses of the run, those not yet delivered to the observer included', async () => {
    const monitor = new GeneratorHealthMonitor();
    monitor.start();
    // Enough short-lived garbage for several scavenges, kept just long enough that V8 cannot drop it unallocated.
    let keep: unknown[] = [];
    for (let i = 0; i < 2_000_000; i += 1) {
      keep.push({ i, text: `garbage ${i}` });
      if (keep.length > 1000) keep = [];
    }
    await new Promise((resolve) => setImmediate(resolve));
    const { gcPauses } = monitor.finish(1);
    expect(gcPauses?.minor).toBeGreaterThan(0);
    expect(gcPauses?.totalMs).toBeGreaterThan(0);
    expect(gcPauses?.maxMs).toBeGreaterThan(0);
    expect(gcPauses?.maxMs).toBeLessThanOrEqual(gcPauses?.totalMs ?? 0);
  });
});
