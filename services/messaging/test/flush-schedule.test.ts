import { describe, expect, it, vi } from 'vitest';
import { FlushSchedule } from '../src/store/flush-schedule.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('FlushSchedule', () => {
  it('flushes once in the next turn however often it is asked in this one', async () => {
    let flushes = 0;
    const schedule = new FlushSchedule(() => flushes++, 60_000);
    schedule.soon();
    schedule.soon();
    schedule.later();
    expect(schedule.pending).toBe(true);
    await nextTurn();
    expect(flushes).toBe(1);
    expect(schedule.pending).toBe(false);
  });

  it('waits the delay for work that may wait, and brings it forward when urgent work comes', async () => {
    let flushes = 0;
    const schedule = new FlushSchedule(() => flushes++, 20);
    schedule.later();
    await nextTurn();
    expect(flushes).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(flushes).toBe(1);

    schedule.later();
    schedule.soon();
    await nextTurn();
    expect(flushes).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(flushes).toBe(2); // the delayed flush was cancelled, not run as well
  });

  it('flushes within a deadline, keeping an earlier one and bringing a later one forward', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
    try {
      let flushes = 0;
      const schedule = new FlushSchedule(() => flushes++, 60_000);
      schedule.later(); // a minute away
      schedule.within(30); // brought forward to 30 ms
      schedule.within(200); // later than the deadline already set: ignored
      vi.advanceTimersByTime(29);
      expect(flushes).toBe(0);
      vi.advanceTimersByTime(1); // the timer fires, the flush goes in the next turn
      vi.advanceTimersToNextTimer();
      expect(flushes).toBe(1);
      expect(schedule.pending).toBe(false);
      vi.advanceTimersByTime(120_000);
      expect(flushes).toBe(1); // neither the 200 ms nor the minute-long timer was left behind

      schedule.within(20);
      schedule.soon();
      vi.advanceTimersToNextTimer();
      expect(flushes).toBe(2);
      vi.advanceTimersByTime(50);
      expect(flushes).toBe(2); // the 20 ms timer was cancelled
    } finally {
      vi.useRealTimers();
    }
  });
});
