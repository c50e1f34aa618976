import type { Kysely } from 'kysely';
import type { GroupCommitter, WriteJob } from '../store/group-commit.js';
import type { SqlProgram } from '../store/sql-program.js';
import type { MessagingTables } from '../store/tables.js';
import { LAZY_OPERATIONS, programOperations, transactionOperations } from './write-operations.js';
import type { WriteArgs, WriteOperationName, WriteResult, WriteStores } from './write-operations.js';

/**
 * Where Messaging's writes go. `run` resolves only after the transaction that
 * holds the operation has committed, so a caller may answer 2xx then and not
 * before; it rejects with what the operation threw (an AppError, the engine's
 * unique violation) and then nothing of that operation is stored.
 */
export interface Writer {
  run<K extends WriteOperationName>(name: K, args: WriteArgs<K>): Promise<WriteResult<K>>;
  /** Resolves once everything accepted so far has been committed or failed. */
  drain(): Promise<void>;
  /** Drains, then releases what the writer holds (its thread and connection, if any). */
  close(): Promise<void>;
}

/** One named operation with its stores, as a job for the group committer (the one place the name is looked up). */
export function operationJob<K extends WriteOperationName>(stores: WriteStores, name: K, args: WriteArgs<K>): WriteJob<WriteResult<K>> {
  const program = (programOperations as unknown as Partial<Record<string, ProgramOperation>>)[name];
  if (program !== undefined) return { program: program(stores, args) as SqlProgram<WriteResult<K>> };
  const operation = (transactionOperations as unknown as Partial<Record<string, TransactionOperation>>)[name];
  if (operation === undefined) throw new Error(`no write operation is named ${name}`);
  return (trx) => operation(stores, trx, args) as Promise<WriteResult<K>>;
}

type ProgramOperation = (stores: WriteStores, args: unknown) => SqlProgram<unknown>;
type TransactionOperation = (stores: WriteStores, trx: Kysely<MessagingTables>, args: unknown) => Promise<unknown>;

/**
 * Writes on the caller's own connection and event loop, group-committed. Used
 * for PostgreSQL (whose commits wait on a socket, not on the event loop), for
 * SQLite in memory, for a SQLite file while the adaptive writer keeps the
 * writes on the event loop (or `WRITER_MODE=event-loop`), and inside the
 * writer thread.
 */
export class InProcessWriter implements Writer {
  constructor(
    private readonly committer: GroupCommitter,
    private readonly stores: WriteStores,
  ) {}

  run<K extends WriteOperationName>(name: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    return this.committer.run(operationJob(this.stores, name, args), LAZY_OPERATIONS.has(name));
  }

  drain(): Promise<void> {
    return this.committer.drain();
  }

  close(): Promise<void> {
    return this.committer.drain();
  }
}
