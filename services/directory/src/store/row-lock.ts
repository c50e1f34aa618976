import type { Engine } from '@sanctum/kernel';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';

/**
 * `FOR UPDATE` on PostgreSQL, where concurrent transactions must queue on a
 * row they both change; nothing on SQLite, whose single writer already
 * serialises transactions (and which has no such clause).
 */
export function rowLock(engine: Engine): RawBuilder<unknown> {
  return engine === 'postgres' ? sql`for update` : sql``;
}
