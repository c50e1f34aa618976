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
  // Kysely looks for its bookkeeping tables in every schema unless told which one;
  // on PostgreSQL name the connection's own, or a sibling schema's tables (another
  // service or test on the same server) would be taken for ours.
  const schema = engineOf(db) === 'postgres' ? await currentSchema(db) : undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`Migration ${failed} failed: ${reason}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? 'public';
}
