import { describe, expect, it } from 'vitest';
import { cpuAverage, median, memoryGrowth, summarizeResources } from '../src/lib/load/resource.summary.js';

const METHOD = { warmupFraction: 0.2, windowFraction: 0.1, minWindowSamples: 3 };
const MB = 1_048_576;

describe('memory growth', () => {
  it('ignores start-up growth and GC sawtooth: a flat heap with spikes grows about 0%', () => {
    // 60 s: 10 s of start-up climb, then 100 MB with a 30 MB GC spike every 7 s.
    const rss = Array.from({ length: 60 }, (_, t) => (t < 10 ? 40 + t * 6 : 100 + (t % 7 === 0 ? 30 : 0)) * MB);
    const growth = memoryGrowth(rss, METHOD);
    expect(growth?.growthPercent).toBe(0);
    expect(growth?.startMedianBytes).toBe(100 * MB);
  });

  it('sees a leak as growth of the end window over the settled start window', () => {
    const rss = Array.from({ length: 100 }, (_, t) => (100 + t * 0.5) * MB);
    const growth = memoryGrowth(rss, METHOD);
    expect(growth?.growthPercent).toBeGreaterThan(30);
  });

  it('has no value when there are too few samples for warm-up and two windows', () => {
    expect(memoryGrowth([1, 2, 3, 4, 5, 6, 7].map((v) => v * MB), METHOD)).toBeNull();
    expect(memoryGrowth([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], METHOD)).toBeNull();
  });

  it('takes medians of odd and even windows', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe('CPU average and the per-service verdict', () => {
  const readings = (cpuPerSecond: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ atMs: 1000 * i, cpuSeconds: cpuPerSecond * i, rssBytes: 100 * MB }));

  it('averages CPU over the readings in percent of one core', () => {
    expect(cpuAverage(readings(0.25, 11))).toBe(25);
    expect(cpuAverage(readings(0.25, 1))).toBeNull();
  });

  it('reports the worst service and lists what could not be measured', () => {
    const measured = summarizeResources(new Map([['auth', readings(0.1, 20)], ['messaging', readings(0.4, 20)]]), METHOD);
    expect(measured.worstCpu).toEqual({ value: 40, service: 'messaging' });
    expect(measured.worstGrowth).toEqual({ value: 0, service: 'auth' });
    expect(measured.resources.map((r) => r.service)).toEqual(['auth', 'messaging']);
    expect(measured.gaps).toEqual([]);

    const short = summarizeResources(new Map([['auth', readings(0.1, 20)], ['messaging', readings(0.4, 4)]]), METHOD);
    expect(short.worstGrowth).toBeNull();
    expect(short.worstCpu).toEqual({ value: 40, service: 'messaging' });
    expect(short.gaps).toEqual([{ service: 'messaging', reason: expect.stringContaining('memory growth not measured') }]);

    const none = summarizeResources(new Map(), METHOD);
    expect(none.worstCpu).toBeNull();
    expect(none.gaps[0]?.reason).toBe('no service process was monitored');
  });
});
