import type { Engine, SqliteStatements } from '@sanctum/kernel/core';
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import { CommitWindow } from './commit-window.js';
import { FlushSchedule } from './flush-schedule.js';
import type { CommitWindowOptions } from './commit-window.js';
import { RawSql, answerFromSqlite } from './raw-query.js';
import { runProgramSync } from './sql-program.js';
import type { SqlProgram, SqlStep } from './sql-program.js';
import type { MessagingTables } from './tables.js';

/** A job written as a SQL program (see sql-program.ts). */
export interface ProgramJob<T> {
  readonly program: SqlProgram<T>;
}

/**
 * A unit of work that runs inside a shared transaction; it must only touch
 * the database. Either Kysely code given the transaction, or a SQL program.
 */
export type WriteJob<T> = ((trx: Kysely<MessagingTables>) => Promise<T>) | ProgramJob<T>;

export interface GroupCommitOptions {
  /** Most jobs in one transaction. */
  readonly maxBatch: number;
  /**
   * How long a lazy job may wait for a durable one to share its commit (see
   * `run`). Absent: lazy jobs are started like any other, because the caller
   * already held them back (the writer thread); they still decide whether a
   * transaction commits lazily.
   */
  readonly lazyDelayMs?: number;
  /** When and how long a durable job waits for others to share its commit (see CommitWindow); absent = never. */
  readonly commitWindow?: CommitWindowOptions;
  /**
   * Told each transaction's size and how long it took, BEGIN to COMMIT, once
   * it has ended (metrics; the adaptive writer reads its window at the end of
   * a transaction).
   */
  readonly onBatch?: (size: number, busyMs: number) => void;
  /**
   * SQLite: the prepared statements of the connection `db` uses. A batch made
   * only of programs then runs synchronously on them, BEGIN to COMMIT, with
   * no promise in between; absent (PostgreSQL), every statement is awaited.
   */
  readonly sqlite?: SqliteStatements;
  /** Told each transaction's end, in step with it (the writer's BlobAppender). */
  readonly hooks?: TransactionHooks;
}

/**
 * Work that must happen in step with a transaction: just before its COMMIT
 * (throwing there rolls the transaction back), after it, or after a rollback.
 * All three are synchronous, so a synchronous batch stays one run.
 */
export interface TransactionHooks {
  beforeCommit(): void;
  /** Must not throw: the transaction has committed, and its jobs are answered as such. */
  afterCommit(): void;
  afterRollback(): void;
}

interface Pending {
  job: WriteJob<unknown>;
  lazy: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const SAVEPOINT = CompiledQuery.raw('savepoint job');
const RELEASE = CompiledQuery.raw('release savepoint job');
const ROLLBACK_JOB = CompiledQuery.raw('rollback to savepoint job');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

interface TransactionStatements {
  readonly begin: readonly CompiledQuery[];
  readonly after: readonly CompiledQuery[];
}

/**
 * How a transaction begins and ends on each engine, durable or lazy (see
 * `GroupCommitter.run`). On SQLite, IMMEDIATE takes the write lock up front,
 * so two processes sharing a file never fail on a read-to-write upgrade;
 * `synchronous` belongs to the connection and cannot change inside a
 * transaction, so a lazy one sets it before BEGIN and restores it after.
 */
const TRANSACTION: Record<Engine, Record<'durable' | 'lazy', TransactionStatements>> = {
  sqlite: {
    durable: { begin: [CompiledQuery.raw('begin immediate')], after: [] },
    lazy: {
      begin: [CompiledQuery.raw('pragma synchronous = NORMAL'), CompiledQuery.raw('begin immediate')],
      after: [CompiledQuery.raw('pragma synchronous = FULL')],
    },
  },
  postgres: {
    durable: { begin: [CompiledQuery.raw('begin')], after: [] },
    // SET LOCAL ends with the transaction.
    lazy: { begin: [CompiledQuery.raw('begin'), CompiledQuery.raw('set local synchronous_commit = off')], after: [] },
  },
};

/**
 * Group commit: writes that arrive while a transaction is being prepared or
 * committed are gathered and committed together in the next one, so many
 * sends share one fsync. Each job runs inside its own savepoint, so a job that
 * throws (a 409, a unique violation) is undone alone and the others still
 * commit. `run` resolves only after the transaction holding the job has
 * committed — a caller may answer 2xx then and not before.
 *
 * @example
 * const seq = await committer.run((trx) => store.nextSeq(trx, conversationId));
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  // SQLite work is synchronous, so without waiting for the next turn each request would commit alone.
  private readonly flushes: FlushSchedule;
  private readonly holdsLazyJobs: boolean;
  private readonly window: CommitWindow;
  private readonly raw: RawSql;
  private readonly hooks: TransactionHooks;

  constructor(
    private readonly db: Kysely<MessagingTables>,
    private readonly engine: Engine,
    private readonly options: GroupCommitOptions,
  ) {
    this.flushes = new FlushSchedule(() => { this.start(); }, options.lazyDelayMs ?? 0);
    this.holdsLazyJobs = options.lazyDelayMs !== undefined;
    this.window = new CommitWindow(options.commitWindow);
    this.raw = new RawSql(engine);
    this.hooks = options.hooks ?? NO_HOOKS;
  }

  /**
   * Queues a job for the next transaction. A lazy job (an acknowledgement)
   * does not start a transaction of its own: it waits up to `lazyDelayMs` to
   * ride in the next durable one, so at a steady send rate acks add
   * statements but no commits. A transaction holding only lazy jobs commits
   * without waiting for the disk (SQLite `synchronous=NORMAL` in WAL mode,
   * PostgreSQL `synchronous_commit=off`): it survives a process crash, and a
   * power loss can undo it only until the next durable commit, which syncs
   * it too. Losing an ack that way means the envelope is delivered again,
   * which clients already handle (they dedupe by envelope id); a durable job
   * never commits lazily.
   */
  run<T>(job: WriteJob<T>, lazy = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, lazy, resolve: resolve as (value: unknown) => void, reject });
      if (lazy && this.holdsLazyJobs) this.flushes.later();
      else if (lazy) this.flushes.soon();
      else this.flushes.within(this.window.hold({ queued: this.queue.length, maxJobs: this.options.maxBatch, committing: this.running !== undefined }));
    });
  }

  /** Resolves once everything queued so far has been committed or failed (shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running !== undefined || this.flushes.pending) {
      if (this.queue.length > 0) this.flushes.soon();
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  /** One transaction at a time; what queues meanwhile goes into the next. */
  private start(): void {
    if (this.running !== undefined || this.queue.length === 0) return;
    this.running = this.flush().finally(() => {
      this.running = undefined;
      if (this.queue.some((pending) => !pending.lazy || !this.holdsLazyJobs)) this.flushes.soon();
      else if (this.queue.length > 0) this.flushes.later();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.window.flushed();
    const started = performance.now();
    const transaction = TRANSACTION[this.engine][batch.every((pending) => pending.lazy) ? 'lazy' : 'durable'];
    let outcomes: Outcome[];
    try {
      const sqlite = this.options.sqlite;
      outcomes =
        sqlite !== undefined && batch.every((pending) => isProgram(pending.job))
          ? this.commitSync(sqlite, batch, transaction)
          : await this.commit(batch, transaction);
    } catch (error) {
      // The transaction itself failed (connection lost, commit refused): nothing of it is stored.
      for (const pending of batch) pending.reject(error);
      return;
    } finally {
      // Committed or not, the transaction has ended; rejections and resolutions settle on later microtasks.
      this.options.onBatch?.(batch.length, performance.now() - started);
    }
    this.hooks.afterCommit();
    outcomes.forEach((outcome, index) => {
      const pending = batch[index];
      if (pending === undefined) return;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  /** The transaction, one awaited statement at a time. */
  private commit(batch: readonly Pending[], transaction: TransactionStatements): Promise<Outcome[]> {
    return this.db.connection().execute(async (connection) => {
      try {
        for (const statement of transaction.begin) await connection.executeQuery(statement);
        const results: Outcome[] = [];
        for (const pending of batch) results.push(await this.runJob(connection, pending.job));
        this.hooks.beforeCommit();
        await connection.executeQuery(COMMIT);
        return results;
      } catch (error) {
        await connection.executeQuery(ROLLBACK).catch(() => undefined);
        this.hooks.afterRollback();
        throw error;
      } finally {
        for (const statement of transaction.after) await connection.executeQuery(statement);
      }
    });
  }

  private async runJob(connection: Kysely<MessagingTables>, job: WriteJob<unknown>): Promise<Outcome> {
    await connection.executeQuery(SAVEPOINT);
    try {
      const value = isProgram(job) ? await this.raw.program(connection, job.program) : await job(connection);
      await connection.executeQuery(RELEASE);
      return { ok: true, value };
    } catch (error) {
      await connection.executeQuery(ROLLBACK_JOB);
      await connection.executeQuery(RELEASE);
      return { ok: false, error };
    }
  }

  /**
   * The same transaction in one synchronous run (SQLite, programs only). Kysely
   * cannot run a query meanwhile: nothing else runs on this thread until it
   * returns, and `running` keeps the next flush out.
   */
  private commitSync(sqlite: SqliteStatements, batch: readonly Pending[], transaction: TransactionStatements): Outcome[] {
    const run = (query: CompiledQuery): void => {
      sqlite.prepare(query.sql).run();
    };
    const answer = answerFromSqlite(sqlite);
    try {
      for (const statement of transaction.begin) run(statement);
      const results = batch.map((pending) => runJobSync(run, answer, (pending.job as ProgramJob<unknown>).program));
      this.hooks.beforeCommit();
      run(COMMIT);
      return results;
    } catch (error) {
      try {
        run(ROLLBACK);
      } catch {
        // BEGIN itself failed: there is no transaction to undo.
      }
      this.hooks.afterRollback();
      throw error;
    } finally {
      for (const statement of transaction.after) run(statement);
    }
  }
}

const NO_HOOKS: TransactionHooks = { beforeCommit: () => undefined, afterCommit: () => undefined, afterRollback: () => undefined };

function isProgram(job: WriteJob<unknown>): job is ProgramJob<unknown> {
  return typeof job !== 'function';
}

function runJobSync(run: (query: CompiledQuery) => void, answer: (step: SqlStep) => unknown, program: SqlProgram<unknown>): Outcome {
  run(SAVEPOINT);
  try {
    const value = runProgramSync(program, answer);
    run(RELEASE);
    return { ok: true, value };
  } catch (error) {
    run(ROLLBACK_JOB);
    run(RELEASE);
    return { ok: false, error };
  }
}
