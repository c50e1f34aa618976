import type { Migration } from 'kysely';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/index.js';
import { testEngines } from '../src/testing/index.js';

const migrations: Record<string, Migration> = {
  '2026-11-30-001-things': {
    async up(db) {
      await db.schema.createTable('things').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
    },
  },
};

describe.each(testEngines())('migrateToLatest on $name', (engine) => {
  it('migrates each database (or PostgreSQL schema) on its own, even when another already has Kysely’s tables', async () => {
    const first = await engine.open<unknown>();
    const second = await engine.open<unknown>();
    try {
      expect(await migrateToLatest(first.db, migrations)).toEqual(['2026-11-30-001-things']);
      // On PostgreSQL the second schema sits in the same database as the first, whose bookkeeping tables Kysely can see.
      expect(await migrateToLatest(second.db, migrations)).toEqual(['2026-11-30-001-things']);
      expect(await migrateToLatest(second.db, migrations)).toEqual([]);
      await sql`insert into things (id) values (1)`.execute(second.db);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
