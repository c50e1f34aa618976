import type { Engine, SqliteStatements } from '@sanctum/kernel';
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import { runProgram } from './sql-program.js';
import type { SqlProgram, SqlStep } from './sql-program.js';
import type { MessagingTables } from './tables.js';

/**
 * Hand-written SQL for the hot path (send, push, ack). Building a query with
 * Kysely's builder costs more than running it on SQLite, and a send runs about
 * ten statements, so those are written once as text with `?` placeholders
 * (rewritten to `$n` for PostgreSQL) and executed directly. Everything else
 * uses the builder.
 */
export class RawSql {
  private readonly pgText = new Map<string, string>();

  constructor(readonly engine: Engine) {}

  async rows<R>(db: Kysely<MessagingTables>, text: string, parameters: readonly unknown[]): Promise<R[]> {
    const result = await db.executeQuery<R>(CompiledQuery.raw(this.dialect(text), [...parameters]));
    return result.rows;
  }

  async run(db: Kysely<MessagingTables>, text: string, parameters: readonly unknown[]): Promise<number> {
    const result = await db.executeQuery(CompiledQuery.raw(this.dialect(text), [...parameters]));
    return Number(result.numAffectedRows ?? 0n);
  }

  /** Runs a SQL program (see sql-program.ts) on this connection or transaction, one awaited statement at a time. */
  program<T>(db: Kysely<MessagingTables>, program: SqlProgram<T>): Promise<T> {
    return runProgram(program, (step) => (step.returnsRows ? this.rows(db, step.text, step.parameters) : this.run(db, step.text, step.parameters)));
  }

  /** `FOR UPDATE` where row locks exist (PostgreSQL); SQLite's write transaction already excludes others. */
  get forUpdate(): string {
    return this.engine === 'postgres' ? ' for update' : '';
  }

  private dialect(text: string): string {
    if (this.engine !== 'postgres') return text;
    let converted = this.pgText.get(text);
    if (converted === undefined) {
      let n = 0;
      converted = text.replace(/\?/g, () => `$${++n}`);
      if (this.pgText.size < 1000) this.pgText.set(text, converted);
    }
    return converted;
  }
}

/** `?, ?, ?` for an IN list of `count` values. */
export function placeholders(count: number): string {
  return count === 1 ? '?' : `?${', ?'.repeat(count - 1)}`;
}

/** Answers a program's statements synchronously from a SQLite connection's prepared statements (see runProgramSync). */
export function answerFromSqlite(statements: SqliteStatements): (step: SqlStep) => unknown {
  return (step) => {
    const statement = statements.prepare(step.text);
    return step.returnsRows ? statement.all(...step.parameters) : statement.run(...step.parameters).changes;
  };
}
