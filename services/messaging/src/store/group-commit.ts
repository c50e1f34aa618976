import type { Engine } from '@sanctum/kernel';
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import type { MessagingTables } from './tables.js';

/** A unit of work that runs inside a shared transaction; it must only touch the database. */
export type WriteJob<T> = (trx: Kysely<MessagingTables>) => Promise<T>;

interface Pending {
  job: WriteJob<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const SAVEPOINT = CompiledQuery.raw('savepoint job');
const RELEASE = CompiledQuery.raw('release savepoint job');
const ROLLBACK_JOB = CompiledQuery.raw('rollback to savepoint job');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/**
 * Group commit: writes that arrive while a transaction is being prepared or
 * committed are gathered and committed together in the next one, so many
 * sends share one fsync. Each job runs inside its own savepoint, so a job that
 * throws (a 409, a unique violation) is undone alone and the others still
 * commit. `run` resolves only after the transaction holding the job has
 * committed — a caller may answer 2xx then and not before.
 *
 * On SQLite the transaction begins IMMEDIATE, taking the write lock up front,
 * so two processes sharing a file never fail on a read-to-write upgrade.
 *
 * @example
 * const seq = await committer.run((trx) => store.nextSeq(trx, conversationId));
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private running: Promise<void> | undefined;
  private readonly begin: CompiledQuery;

  constructor(
    private readonly db: Kysely<MessagingTables>,
    engine: Engine,
    private readonly maxBatch: number,
    private readonly onBatch: (size: number) => void = () => undefined,
  ) {
    this.begin = CompiledQuery.raw(engine === 'sqlite' ? 'begin immediate' : 'begin');
  }

  run<T>(job: WriteJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ job, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves once everything queued so far has been committed or failed (shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running !== undefined || this.scheduled) {
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running !== undefined) return;
    this.scheduled = true;
    // setImmediate, not a microtask: every request parsed in this turn of the
    // event loop joins the batch. SQLite work is synchronous, so without this
    // each request would commit alone.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.flush().finally(() => {
        this.running = undefined;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.onBatch(batch.length);
    let outcomes: Outcome[];
    try {
      outcomes = await this.db.connection().execute(async (connection) => {
        await connection.executeQuery(this.begin);
        try {
          const results: Outcome[] = [];
          for (const pending of batch) results.push(await this.runJob(connection, pending.job));
          await connection.executeQuery(COMMIT);
          return results;
        } catch (error) {
          await connection.executeQuery(ROLLBACK).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      // The transaction itself failed (connection lost, commit refused): nothing of it is stored.
      for (const pending of batch) pending.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const pending = batch[index];
      if (pending === undefined) return;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  private async runJob(connection: Kysely<MessagingTables>, job: WriteJob<unknown>): Promise<Outcome> {
    await connection.executeQuery(SAVEPOINT);
    try {
      const value = await job(connection);
      await connection.executeQuery(RELEASE);
      return { ok: true, value };
    } catch (error) {
      await connection.executeQuery(ROLLBACK_JOB);
      await connection.executeQuery(RELEASE);
      return { ok: false, error };
    }
  }
}
