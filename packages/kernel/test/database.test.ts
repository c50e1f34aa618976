import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Generated, Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoIncrementType, binaryType, engineOf, migrateToLatest, openDatabase, skipLocked } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { TEST_POSTGRES_URL_VARIABLE, testEngines } from '@sanctum/kernel/testing';

interface Tables {
  notes: { id: Generated<number>; body: string; blob: Uint8Array | null; created_at: number };
}

const migrations = {
  '2026-11-30-001-notes': {
    async up(db: Kysely<unknown>) {
      const engine = engineOf(db);
      await db.schema
        .createTable('notes')
        .addColumn('id', autoIncrementType(engine), (c) => c.primaryKey())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('blob', binaryType(engine))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

describe.each(testEngines())('database on $name', (engine) => {
  let database: Database<Tables>;
  beforeEach(async () => {
    database = await engine.open<Tables>();
  });
  afterEach(() => database.close());

  it('migrates forward once and stores rows, blobs and big integers', async () => {
    expect(await migrateToLatest(database.db as Kysely<unknown>, migrations)).toEqual(['2026-11-30-001-notes']);
    expect(await migrateToLatest(database.db as Kysely<unknown>, migrations)).toEqual([]);
    expect(database.engine).toBe(engine.name);
    expect(engineOf(database.db as Kysely<unknown>)).toBe(engine.name);

    const createdAt = 1_764_000_000_000;
    const inserted = await database.db
      .insertInto('notes')
      .values({ body: 'hello', blob: new Uint8Array([1, 2, 3]), created_at: createdAt })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    const row = await database.db.selectFrom('notes').selectAll().where('id', '=', inserted.id).executeTakeFirstOrThrow();
    expect(row.body).toBe('hello');
    expect(Array.from(row.blob ?? [])).toEqual([1, 2, 3]);
    expect(row.created_at).toBe(createdAt);
    await expect(database.ping()).resolves.toBeUndefined();
  });

  it('takes distinct rows for concurrent consumers with skipLocked', async () => {
    await migrateToLatest(database.db as Kysely<unknown>, migrations);
    await database.db.insertInto('notes').values([1, 2, 3, 4].map((n) => ({ body: `n${n}`, blob: null, created_at: n }))).execute();
    const takeOne = () =>
      database.db.transaction().execute(async (trx) => {
        const picked = await sql<{ id: number }>`select id from notes order by id limit 1 ${skipLocked(database.engine)}`.execute(trx);
        const id = picked.rows[0]?.id;
        if (id === undefined) return undefined;
        await trx.deleteFrom('notes').where('id', '=', id).execute();
        return id;
      });
    const taken = await Promise.all([takeOne(), takeOne(), takeOne(), takeOne()]);
    expect(new Set(taken).size).toBe(4);
  });

  it('reports a failing migration with its name', async () => {
    const broken = { '2026-11-30-002-broken': { up: (db: Kysely<unknown>) => sql`this is not sql`.execute(db).then(() => undefined) } };
    await expect(migrateToLatest(database.db as Kysely<unknown>, broken)).rejects.toThrow(/2026-11-30-002-broken failed/);
  });
});

describe('openDatabase', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sanctum-db-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the embedded database in <dataDir>/<name>.sqlite with WAL and full sync', async () => {
    const database = openDatabase<Tables>({ dataDir: join(dir, 'nested'), name: 'auth' });
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    expect(sync.rows[0]?.synchronous).toBe(2); // FULL
    await database.close();
  });

  it('accepts an explicit sqlite:// URL', async () => {
    const database = openDatabase<Tables>({ url: `sqlite://${join(dir, 'explicit.sqlite')}`, dataDir: '/nonexistent', name: 'x' });
    await expect(database.ping()).resolves.toBeUndefined();
    await database.close();
  });

  it('only adds PostgreSQL to the engines when its URL is set', () => {
    expect(testEngines({}).map((e) => e.name)).toEqual(['sqlite']);
    expect(testEngines({ [TEST_POSTGRES_URL_VARIABLE]: 'postgres://x@127.0.0.1/y' }).map((e) => e.name)).toEqual(['sqlite', 'postgres']);
  });

  it('rejects ping when PostgreSQL is unreachable', async () => {
    const database = openDatabase<Tables>({ url: 'postgres://nobody@127.0.0.1:1/none', dataDir: dir, name: 'x' });
    expect(database.engine).toBe('postgres');
    await expect(database.ping()).rejects.toThrow();
    await database.close();
  });
});
