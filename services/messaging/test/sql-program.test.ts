import { describe, expect, it } from 'vitest';
import { execute, runProgram, runProgramSync, selectRows } from '../src/store/sql-program.js';
import type { SqlProgram, SqlStep } from '../src/store/sql-program.js';

/** Reads a counter, then bumps it unless told to fail; recovers from a failed bump by returning -1. */
function* bump(id: string): SqlProgram<number> {
  const [row] = yield* selectRows<{ n: number }>('select n from counters where id = ?', [id]);
  try {
    yield* execute('update counters set n = n + 1 where id = ?', [id]);
  } catch {
    return -1;
  }
  return (row?.n ?? 0) + 1;
}

function answers(failOn?: string): { steps: SqlStep[]; answer: (step: SqlStep) => unknown } {
  const steps: SqlStep[] = [];
  return {
    steps,
    answer: (step) => {
      steps.push(step);
      if (step.text.startsWith(failOn ?? '\0')) throw new Error('refused');
      return step.returnsRows ? [{ n: 41 }] : 1;
    },
  };
}

describe('SQL programs', () => {
  it('run synchronously, each statement answered with its rows or change count', () => {
    const { steps, answer } = answers();
    expect(runProgramSync(bump('a'), answer)).toBe(42);
    expect(steps).toEqual([
      { text: 'select n from counters where id = ?', parameters: ['a'], returnsRows: true },
      { text: 'update counters set n = n + 1 where id = ?', parameters: ['a'], returnsRows: false },
    ]);
  });

  it('run the same way with awaited answers', async () => {
    const { steps, answer } = answers();
    expect(await runProgram(bump('a'), async (step) => answer(step))).toBe(42);
    expect(steps).toHaveLength(2);
  });

  it('throw a statement’s error into the program, which may handle it', async () => {
    expect(runProgramSync(bump('a'), answers('update').answer)).toBe(-1);
    expect(await runProgram(bump('a'), async (step) => answers('update').answer(step))).toBe(-1);
  });

  it('pass on an error the program does not handle', async () => {
    expect(() => runProgramSync(bump('a'), answers('select').answer)).toThrow('refused');
    await expect(runProgram(bump('a'), async (step) => answers('select').answer(step))).rejects.toThrow('refused');
  });
});
