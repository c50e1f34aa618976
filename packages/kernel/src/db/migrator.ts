import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationResultSet } from 'kysely';
import { engineOf } from './dialect.js';

/**
 * Runs a service's migrations forward to the latest. Migrations are imported
 * statically (not read from a folder) so the compiled service carries them.
 * Names are dated (`2026-11-30-001-accounts`); a landed migration is never edited.
 *
 * @example
 * await migrateToLatest(database.db, { '2026-11-30-001-accounts': accountsMigration });
 */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(await migrationTableSchema(db)),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`Migration ${failed} failed: ${reason}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * On PostgreSQL, Kysely looks for its bookkeeping tables in every schema of
 * the database unless told which one: a database holding several services
 * (or parallel test schemas) would make it skip creating them in ours. Pin
 * it to the connection's current schema (the first of `search_path`).
 */
async function migrationTableSchema(db: Kysely<unknown>): Promise<{ migrationTableSchema?: string }> {
  if (engineOf(db) !== 'postgres') return {};
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  return schema === null || schema === undefined ? {} : { migrationTableSchema: schema };
}
