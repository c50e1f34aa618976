import type { Migration } from 'kysely';

/** Every migration of the Auth service, by dated name; applied in name order, never edited once landed. */
export const migrations: Record<string, Migration> = {};
