import { engineOf } from '@sanctum/kernel';
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * Two indexes fewer on the send path, each a b-tree insert per send that no
 * read needed (docs/benchmarks.md, "Two indexes fewer"):
 *
 * - `messages_seq`, unique (conversation_id, seq): the sequence comes from the
 *   conversation row's `last_seq`, taken under that row's write lock in the
 *   same transaction, so it is unique by construction; nothing looks messages
 *   up by sequence.
 * - `envelopes_by_time`: retention now walks each device's queue from its
 *   oldest envelope (queue order is send order), using `envelopes_by_device`.
 *
 * SQLite cannot drop a table's UNIQUE constraint, so there the messages table
 * is rebuilt, in one transaction (Kysely runs SQLite migrations outside one)
 * and only if the old constraint is still there, so a run cut short is simply
 * run again.
 */
export const leanSendIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    if (engineOf(db) === 'postgres') {
      await sql`alter table messages drop constraint if exists messages_seq`.execute(db);
      await sql`drop index if exists envelopes_by_time`.execute(db);
      return;
    }
    await sql`begin immediate`.execute(db);
    try {
      const { rows } = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'messages'`.execute(db);
      if (rows[0]?.sql.includes('messages_seq') === true) {
        // The first migration's definition minus `messages_seq`, spelt out: a landed migration is never edited, so none borrows from another.
        await db.schema
          .createTable('messages_rebuilt')
          .addColumn('message_id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('sender_account_id', 'text', (c) => c.notNull())
          .addColumn('sender_device_id', 'text', (c) => c.notNull())
          .addColumn('client_message_id', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('messages_client_id', ['sender_device_id', 'client_message_id'])
          .execute();
        await sql`insert into messages_rebuilt (message_id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, sent_at)
          select message_id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, sent_at from messages`.execute(db);
        await sql`drop table messages`.execute(db);
        await sql`alter table messages_rebuilt rename to messages`.execute(db);
      }
      await sql`drop index if exists envelopes_by_time`.execute(db);
      await sql`commit`.execute(db);
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
  },
};
