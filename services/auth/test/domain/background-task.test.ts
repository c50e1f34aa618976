import { describe, expect, it } from 'vitest';
import { every } from '../../src/domain/background-task.js';
import { eventually } from '../support/poll.js';

describe('background tasks', () => {
  it('logs a failure, keeps running, and never overlaps runs', async () => {
    const warnings: object[] = [];
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const timer = every(
      5,
      async () => {
        runs += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((resolve) => setTimeout(resolve, 20));
        concurrent -= 1;
        if (runs % 2 === 1) throw new Error('flaky dependency');
      },
      'test task',
      { warn: (details) => warnings.push(details) },
    );
    try {
      await eventually(() => runs >= 4, 'four runs');
    } finally {
      clearInterval(timer);
    }
    expect(maxConcurrent).toBe(1);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatchObject({ task: 'test task' });
  });
});
