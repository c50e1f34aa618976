import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../src/db/sqlite-statement-cache.js';

describe('withStatementCache', () => {
  it('reuses statements by SQL text, bounded, and still sees schema changes', async () => {
    const connection = new SQLite(':memory:');
    const cached = withStatementCache(connection, 2);
    expect(cached.prepare('select 1 as one')).toBe(cached.prepare('select 1 as one'));
    const first = cached.prepare('select 1 as one');
    cached.prepare('select 2 as two');
    cached.prepare('select 3 as three'); // evicts the oldest
    expect(cached.prepare('select 1 as one')).not.toBe(first);

    // A hit makes a statement the most recently used: the other one goes first.
    const one = cached.prepare('select 1 as one');
    cached.prepare('select 3 as three');
    cached.prepare('select 1 as one'); // touch
    cached.prepare('select 4 as four'); // evicts `select 3`, not the touched one
    expect(cached.prepare('select 1 as one')).toBe(one);

    const db = new Kysely<{ t: { a: number; b?: number } }>({ dialect: new SqliteDialect({ database: cached }) });
    await sql`create table t (a integer)`.execute(db);
    await db.insertInto('t').values({ a: 1 }).execute();
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ a: 1 }]);
    await sql`alter table t add column b integer`.execute(db);
    expect(await db.selectFrom('t').selectAll().execute()).toEqual([{ a: 1, b: null }]);
    await db.destroy();
    expect(connection.open).toBe(false);
  });
});
