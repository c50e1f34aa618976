import { describe, expect, it } from 'vitest';
import { ProgressReporter, progressLine } from '../src/lib/load/progress.reporter.js';
import { planScenarios } from '../src/lib/load/scenario.catalog.js';

describe('scenario plans', () => {
  it('defaults to the workflow suite: 1000 req/s of 1 KiB and 64 KiB for 2 min, then a 15 min soak at 500 req/s', () => {
    expect(planScenarios({})).toEqual([
      { name: 'load-1k', targetRps: 1000, durationS: 120, payloadBytes: 1024 },
      { name: 'load-64k', targetRps: 1000, durationS: 120, payloadBytes: 65_536 },
      { name: 'soak', targetRps: 500, durationS: 900, payloadBytes: 1024 },
    ]);
  });

  it('applies the rate (soak at half), the soak duration in minutes and a per-scenario duration override', () => {
    expect(planScenarios({ names: ['soak', 'load-1k'], targetRps: 200, soakDurationMin: 1, durationS: 5 })).toEqual([
      { name: 'soak', targetRps: 100, durationS: 60, payloadBytes: 1024 },
      { name: 'load-1k', targetRps: 200, durationS: 5, payloadBytes: 1024 },
    ]);
  });

  it('refuses unknown names, an empty list and non-positive numbers', () => {
    expect(() => planScenarios({ names: ['load-2k'] })).toThrow(/unknown scenario load-2k/);
    expect(() => planScenarios({ names: [] })).toThrow(/no scenario/);
    expect(() => planScenarios({ targetRps: 0 })).toThrow(/target rate must be a positive number/);
    expect(() => planScenarios({ durationS: Number.NaN })).toThrow(/duration/);
  });
});

describe('progress', () => {
  const second = { scenario: 'soak', elapsedS: 1, durationS: 30, sent: 200, rate: 199, errors: 2, p95Ms: 3.25, dispatchLagMaxMs: 0.5 };

  it('shows rate, errors and p95 so far on one line', () => {
    expect(progressLine(second)).toBe('[soak] 1/30 s  rate 199/s  sent 200  errors 2 (1.00%)  p95 3.3 ms  lag 0.5 ms');
    expect(progressLine({ ...second, elapsedS: 31, sent: 0 })).toContain('30/30 s (draining)');
  });

  it('rewrites one live line on a terminal, and keeps lines that must stay', () => {
    const lines: string[] = [];
    const progress = new ProgressReporter((line) => lines.push(line), true);
    progress.second(second);
    progress.second({ ...second, elapsedS: 2 });
    progress.message('[soak] pass');
    progress.second({ ...second, elapsedS: 3 });
    expect(lines[0]!.startsWith('[soak] 1/30')).toBe(true);
    expect(lines[1]!.startsWith('\u001b[1A\u001b[2K[soak] 2/30')).toBe(true);
    expect(lines[2]).toBe('[soak] pass');
    expect(lines[3]!.startsWith('[soak] 3/30')).toBe(true);
  });

  it('prints a plain line every ten seconds in CI', () => {
    const lines: string[] = [];
    const progress = new ProgressReporter((line) => lines.push(line), false);
    for (let t = 1; t <= 25; t += 1) progress.second({ ...second, elapsedS: t });
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['1/30', '10/30', '20/30']);
  });
});
