import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../db/database.js';
import type { Database, Engine } from '../db/database.js';

/** One database engine the store tests run against. */
export interface TestEngine {
  readonly name: Engine;
  /** A fresh, empty database (its own SQLite file, or its own PostgreSQL schema); `close()` removes it. */
  open<DB>(): Promise<Database<DB>>;
}

/** The environment variable that turns on the PostgreSQL runs of the store tests (CI sets it). */
export const TEST_POSTGRES_URL_VARIABLE = 'SANCTUM_TEST_POSTGRES_URL';

const sqliteEngine: TestEngine = {
  name: 'sqlite',
  async open<DB>() {
    const dir = mkdtempSync(join(tmpdir(), 'sanctum-test-'));
    const database = openDatabase<DB>({ dataDir: dir, name: 'test' });
    return {
      ...database,
      close: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/**
 * Set by the test run's global setup. With it, schemas are named after the run
 * and dropped together when the run ends: dropping one while another test's
 * migration introspects the catalogue makes that query fail with "schema …
 * does not exist", so no schema is dropped while tests are still running.
 */
export const TEST_RUN_ID_VARIABLE = 'SANCTUM_TEST_RUN_ID';

function postgresEngine(url: string, runId: string | undefined): TestEngine {
  return {
    name: 'postgres',
    async open<DB>() {
      const schema = `t_${runId === undefined ? '' : `${runId}_`}${randomBytes(6).toString('hex')}`;
      const admin = openDatabase<unknown>({ url, dataDir: '', name: 'admin', poolSize: 1 });
      await sql`create schema ${sql.id(schema)}`.execute(admin.db);
      await admin.close();
      const database = openDatabase<DB>({ url, dataDir: '', name: 'test', postgresOptions: `-c search_path=${schema}` });
      return {
        ...database,
        close: async () => {
          await database.close();
          if (runId === undefined) await dropSchemas(url, schema);
        },
      };
    },
  };
}

/** Drops the schema named, or every schema whose name starts with `prefix_` (the end of a test run). */
export async function dropSchemas(url: string, nameOrPrefix: string, prefix = false): Promise<void> {
  const admin = openDatabase<unknown>({ url, dataDir: '', name: 'admin', poolSize: 1 });
  try {
    const names = prefix
      ? (
          await sql<{ nspname: string }>`select nspname from pg_namespace where starts_with(nspname, ${`${nameOrPrefix}_`})`.execute(admin.db)
        ).rows.map((row) => row.nspname)
      : [nameOrPrefix];
    for (const name of names) await sql`drop schema if exists ${sql.id(name)} cascade`.execute(admin.db);
  } finally {
    await admin.close();
  }
}

/**
 * The engines store tests must pass on: SQLite always, PostgreSQL too when
 * SANCTUM_TEST_POSTGRES_URL is set.
 *
 * @example
 * describe.each(testEngines())('session store on $name', (engine) => {
 *   let database: Database<AuthTables>;
 *   beforeEach(async () => { database = await engine.open(); await migrateToLatest(database.db, migrations); });
 *   afterEach(() => database.close());
 * });
 */
export function testEngines(env: Record<string, string | undefined> = process.env): TestEngine[] {
  const url = env[TEST_POSTGRES_URL_VARIABLE];
  return url === undefined || url === '' ? [sqliteEngine] : [sqliteEngine, postgresEngine(url, env[TEST_RUN_ID_VARIABLE])];
}
