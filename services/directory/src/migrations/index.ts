import type { Migration } from 'kysely';
import { directoryMigration } from './2026-12-01-001-directory.js';

/** Every migration of the Directory service, by dated name; applied in name order, never edited once landed. */
export const migrations: Record<string, Migration> = {
  '2026-12-01-001-directory': directoryMigration,
};
