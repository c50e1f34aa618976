import { describe, expect, it } from 'vitest';
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
});
