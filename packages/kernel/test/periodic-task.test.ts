import { describe, expect, it, vi } from 'vitest';
import { PeriodicTask } from '../src/service/periodic-task.js';

describe('PeriodicTask', () => {
  it('skips ticks while a pass runs, logs a failed pass and runs again, and stop waits for the pass under way', async () => {
    const warnings: string[] = [];
    let passes = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    let release: () => void = () => undefined;
    const task = new PeriodicTask(
      'test pass',
      5,
      async () => {
        passes += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        try {
          if (passes === 1) throw new Error('first pass fails');
          if (passes === 3) await new Promise<void>((resolve) => (release = resolve));
        } finally {
          concurrent -= 1;
        }
      },
      { warn: (_details, message) => warnings.push(message) },
    );
    task.start();
    task.start(); // a second start keeps the one timer
    await vi.waitFor(
      () => {
        expect(passes).toBeGreaterThanOrEqual(3);
      },
      { timeout: 5000, interval: 5 },
    );
    await new Promise((resolve) => setTimeout(resolve, 40)); // ticks while the third pass hangs
    expect(passes).toBe(3);
    expect(warnings).toEqual(['test pass failed; will retry']);

    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(passes).toBe(3); // no tick after stop
    expect(maxConcurrent).toBe(1);
  });
});
