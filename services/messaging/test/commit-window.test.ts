import { describe, expect, it } from 'vitest';
import { CommitWindow } from '../src/store/commit-window.js';

/** A window on a hand-driven clock; `arrive(gap)` advances the clock by `gap` ms, then asks for a hold. */
function windowWith(maxHoldMs: number, batch: number): { arrive: (gapMs: number) => number; window: CommitWindow } {
  let now = 1_000;
  const window = new CommitWindow({ maxHoldMs, batch }, () => now);
  return {
    window,
    arrive: (gapMs) => {
      now += gapMs;
      return window.hold();
    },
  };
}

describe('CommitWindow', () => {
  it('never holds when turned off', () => {
    for (const [maxHoldMs, batch] of [[0, 4], [8, 1]] as const) {
      const { arrive, window } = windowWith(maxHoldMs, batch);
      for (let i = 0; i < 20; i++) {
        expect(arrive(0.1)).toBe(0);
        window.flushed();
      }
    }
  });

  it('commits at once while writes are rarer than the cap, so a quiet server adds no latency', () => {
    const { arrive, window } = windowWith(8, 4);
    for (let i = 0; i < 50; i++) {
      expect(arrive(20)).toBe(0);
      window.flushed();
    }
  });

  it('holds for what gathering the batch takes at the recent rate, capped', () => {
    const steady = windowWith(8, 4);
    let hold = 0;
    // 500 writes a second: the mean gap settles at 2 ms, so three more take 6 ms.
    for (let i = 0; i < 40; i++) {
      hold = steady.arrive(2);
      steady.window.flushed();
    }
    expect(hold).toBeCloseTo(6, 1);

    const busy = windowWith(8, 4);
    for (let i = 0; i < 40; i++) {
      hold = busy.arrive(0.5);
      busy.window.flushed();
    }
    expect(hold).toBeCloseTo(1.5, 1); // the hold shrinks as load grows

    const moderate = windowWith(8, 4);
    for (let i = 0; i < 40; i++) {
      hold = moderate.arrive(5);
      moderate.window.flushed();
    }
    expect(hold).toBe(8); // 15 ms to gather four: capped
  });

  it('never holds a write that arrives while a commit is under way, or one that fills a transaction', () => {
    let now = 0;
    const window = new CommitWindow({ maxHoldMs: 8, batch: 4 }, () => now);
    for (let i = 0; i < 40; i++) {
      now += 2;
      window.hold();
      window.flushed();
    }
    now += 2;
    expect(window.hold({ committing: true })).toBe(0);
    window.flushed();
    now += 2;
    expect(window.hold({ queued: 64, maxJobs: 64 })).toBe(0);
    window.flushed();
    now += 2;
    expect(window.hold({ queued: 1, maxJobs: 64, committing: false })).toBeGreaterThan(0);
  });

  it('lets the batch go as soon as it is full', () => {
    const { arrive, window } = windowWith(8, 3);
    for (let i = 0; i < 40; i++) {
      arrive(1);
      window.flushed();
    }
    expect(arrive(1)).toBeGreaterThan(0);
    expect(arrive(1)).toBeGreaterThan(0);
    expect(arrive(1)).toBe(0); // the third of a batch of three
    window.flushed();
    expect(arrive(1)).toBeGreaterThan(0); // a new batch
  });

  it('stops holding soon after the rate drops, and starts again soon after it rises', () => {
    const { arrive, window } = windowWith(8, 4);
    const run = (gapMs: number, count: number): number => {
      let hold = 0;
      for (let i = 0; i < count; i++) {
        hold = arrive(gapMs);
        window.flushed();
      }
      return hold;
    };
    expect(run(2, 40)).toBeGreaterThan(0);
    expect(run(50, 1)).toBe(0); // the first write after a pause is not held
    expect(run(2, 1)).toBeGreaterThan(0);
    expect(run(1_000, 3)).toBe(0);
    expect(run(2, 6)).toBeGreaterThan(0);
  });
});
