import { sql } from 'kysely';
import type { Kysely, RawBuilder } from 'kysely';
import type { Engine } from './database.js';

/**
 * The few places where SQLite and PostgreSQL need different SQL live here, so
 * store modules stay dialect-free.
 */

/** Column type for binary data: BLOB in SQLite, BYTEA in PostgreSQL. */
export function binaryType(engine: Engine): 'blob' | 'bytea' {
  return engine === 'postgres' ? 'bytea' : 'blob';
}

/** Column type for an auto-incrementing 64-bit primary key. */
export function autoIncrementType(engine: Engine): 'integer' | 'bigserial' {
  return engine === 'postgres' ? 'bigserial' : 'integer';
}

/**
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL so concurrent consumers of a queue-like
 * table each take a different row; empty on SQLite, whose single writer already
 * serialises the transactions.
 */
export function skipLocked(engine: Engine): RawBuilder<unknown> {
  return engine === 'postgres' ? sql`for update skip locked` : sql``;
}

/** Tells which engine a Kysely instance talks to, for migrations that need a dialect-specific column type. */
export function engineOf(db: Kysely<unknown>): Engine {
  const adapter = db.getExecutor().adapter.constructor.name;
  return adapter.startsWith('Postgres') ? 'postgres' : 'sqlite';
}
