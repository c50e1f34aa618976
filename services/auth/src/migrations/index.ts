import type { Migration } from 'kysely';
import { authSchemaMigration } from './2026-11-30-001-auth-schema.js';

/** Every migration of the Auth service, by dated name; applied in name order, never edited once landed. */
export const migrations: Record<string, Migration> = {
  '2026-11-30-001-auth-schema': authSchemaMigration,
};
