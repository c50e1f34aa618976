import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/db/migrator.js';
import { testEngines } from '../src/testing/test-databases.js';

const migrations = {
  '2026-01-01-001-things': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('things').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
    },
  },
};

describe.each(testEngines())('migrateToLatest on $name', (engine) => {
  it('migrates several databases side by side (PostgreSQL: schemas of one database) and only once each', async () => {
    const databases = await Promise.all(Array.from({ length: 4 }, () => engine.open<unknown>()));
    try {
      const applied = await Promise.all(databases.map((d) => migrateToLatest(d.db, migrations)));
      expect(applied).toEqual(databases.map(() => ['2026-01-01-001-things']));
      for (const database of databases) {
        expect(await migrateToLatest(database.db, migrations)).toEqual([]);
        await sql`select id from things`.execute(database.db);
      }
    } finally {
      await Promise.all(databases.map((d) => d.close()));
    }
  });

  it('names the migration that failed', async () => {
    const database = await engine.open<unknown>();
    try {
      const broken = { '2026-01-01-002-broken': { up: async (db: Kysely<unknown>) => { await sql`select * from no_such_table`.execute(db); } } };
      await expect(migrateToLatest(database.db, { ...migrations, ...broken })).rejects.toThrow(/Migration 2026-01-01-002-broken failed/);
    } finally {
      await database.close();
    }
  });
});
