/**
 * A write written once and run two ways. A program is a generator that yields
 * the statements it needs, one at a time, and receives each one's result:
 *
 * - `runProgramSync` answers each statement at once from a SQLite prepared
 *   statement: a whole group-committed batch then runs without a single
 *   promise (see GroupCommitter). The send path's async version cost about
 *   100 µs more CPU per send+ack than the same statements run synchronously,
 *   a promise and a Kysely round per statement (docs/benchmarks.md, "Sends as
 *   SQL programs").
 * - `runProgram` awaits each one (PostgreSQL, or SQLite inside a transaction
 *   that also runs Kysely code), so the logic is never written twice.
 *
 * @example
 * function* bump(id: string): SqlProgram<number> {
 *   return yield* execute('update counters set n = n + 1 where id = ?', [id]);
 * }
 * runProgramSync(bump('a'), (step) => prepare(step.text).run(...step.parameters).changes);
 */
export interface SqlStep {
  /** SQL with `?` placeholders. */
  readonly text: string;
  readonly parameters: readonly unknown[];
  /** True: the runner answers with the rows (SELECT, RETURNING); false: with the number of rows changed. */
  readonly returnsRows: boolean;
}

/** A generator of statements that finally returns T; each `yield` receives its statement's rows or change count. */
export type SqlProgram<T> = Generator<SqlStep, T, unknown>;

/** The rows of one query (use with `yield*`). */
export function* selectRows<R>(text: string, parameters: readonly unknown[]): SqlProgram<R[]> {
  return (yield { text, parameters, returnsRows: true }) as R[];
}

/** Runs one statement that returns no rows; gives the number of rows changed (use with `yield*`). */
export function* execute(text: string, parameters: readonly unknown[]): SqlProgram<number> {
  return (yield { text, parameters, returnsRows: false }) as number;
}

/** Runs a program to its end, answering each statement synchronously; a statement's error is thrown into the program. */
export function runProgramSync<T>(program: SqlProgram<T>, answer: (step: SqlStep) => unknown): T {
  let next = program.next();
  while (next.done !== true) {
    let result: unknown;
    try {
      result = answer(next.value);
    } catch (error) {
      next = program.throw(error);
      continue;
    }
    next = program.next(result);
  }
  return next.value;
}

/** Runs a program to its end, awaiting each statement's answer. */
export async function runProgram<T>(program: SqlProgram<T>, answer: (step: SqlStep) => Promise<unknown>): Promise<T> {
  let next = program.next();
  while (next.done !== true) {
    let result: unknown;
    try {
      result = await answer(next.value);
    } catch (error) {
      next = program.throw(error);
      continue;
    }
    next = program.next(result);
  }
  return next.value;
}
