import { AppError } from '@sanctum/kernel';
import type { AuthData, Stores } from './auth-data.js';

type Outcome<O> = { ok: true; value: O } | { ok: false; error: AppError };

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a hot, small write: units of work submitted in the same
 * turn of the event loop run in one transaction, so one durable commit (one
 * fsync with SQLite's synchronous=FULL, one round trip on PostgreSQL) serves
 * all of them. Each caller is answered only after that commit, so nothing is
 * acknowledged before it is durable.
 *
 * A unit that throws an AppError (an expected refusal, such as a nonce that
 * was already spent) fails alone, and what it wrote before throwing commits
 * with the batch, so it must only write what it would keep anyway. When the
 * batch fails otherwise (a database error, such as a constraint violated by
 * one unit), each unit is retried in a transaction of its own, so one bad
 * unit cannot fail the others.
 *
 * @example
 * const signIns = new TransactionBatcher(data, (tx, request) => openSession(tx, request));
 * const opened = await signIns.submit(request);
 */
export class TransactionBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;

  constructor(
    private readonly data: AuthData,
    private readonly work: (tx: Stores, item: I) => Promise<O>,
    private readonly maxBatch = 128,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.queue.splice(0, this.maxBatch);
      this.schedule();
      void this.flush(batch);
    });
  }

  private async flush(batch: Pending<I, O>[]): Promise<void> {
    let outcomes: Outcome<O>[];
    try {
      outcomes = await this.data.transaction(async (tx) => {
        const done: Outcome<O>[] = [];
        for (const pending of batch) done.push(await this.attempt(tx, pending.item));
        return done;
      });
    } catch {
      await Promise.all(batch.map((pending) => this.alone(pending)));
      return;
    }
    batch.forEach((pending, index) => {
      settle(pending, outcomes[index]);
    });
  }

  private async alone(pending: Pending<I, O>): Promise<void> {
    try {
      settle(pending, await this.data.transaction((tx) => this.attempt(tx, pending.item)));
    } catch (error) {
      pending.reject(error);
    }
  }

  private async attempt(tx: Stores, item: I): Promise<Outcome<O>> {
    try {
      return { ok: true, value: await this.work(tx, item) };
    } catch (error) {
      if (error instanceof AppError) return { ok: false, error };
      throw error;
    }
  }
}

function settle<O>(pending: Pending<unknown, O>, outcome: Outcome<O> | undefined): void {
  if (outcome?.ok === true) pending.resolve(outcome.value);
  else pending.reject(outcome?.error);
}
