import { autoIncrementType, binaryType, engineOf } from '@sanctum/kernel';
import type { Kysely, Migration } from 'kysely';

/** The first Messaging schema: the Auth replica, conversations, messages and per-device envelope queues. */
export const messagingSchema: Migration = {
  async up(db: Kysely<unknown>) {
    const engine = engineOf(db);
    await db.schema
      .createTable('accounts')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('deleted_at', 'bigint')
      .execute();
    await db.schema
      .createTable('devices')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'bigint')
      .addColumn('queue_depth', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('devices_by_account').on('devices').columns(['account_id', 'device_id']).execute();
    await db.schema
      .createTable('follower_cursor')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('conversations')
      .addColumn('conversation_id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('direct_key', 'text', (c) => c.unique())
      .addColumn('metadata', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('members')
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('joined_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('members_pk', ['conversation_id', 'account_id'])
      .execute();
    await db.schema.createIndex('members_by_account').on('members').columns(['account_id', 'conversation_id']).execute();
    await db.schema
      .createTable('messages')
      .addColumn('message_id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('sender_account_id', 'text', (c) => c.notNull())
      .addColumn('sender_device_id', 'text', (c) => c.notNull())
      .addColumn('client_message_id', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      // The idempotency guarantee lives in the schema, not in a lookup.
      .addUniqueConstraint('messages_client_id', ['sender_device_id', 'client_message_id'])
      .addUniqueConstraint('messages_seq', ['conversation_id', 'seq'])
      .execute();
    // No index on sent_at: message ids are UUIDv7, time-ordered, so retention deletes by id range.
    await db.schema
      .createTable('envelopes')
      // AUTOINCREMENT on SQLite: a plain rowid is reused once the highest row is deleted (acked),
      // and a reused id would hide behind a socket's or a poller's "after" cursor.
      .addColumn('envelope_id', autoIncrementType(engine), (c) => (engine === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('conversation_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('sender_account_id', 'text', (c) => c.notNull())
      .addColumn('sender_device_id', 'text', (c) => c.notNull())
      .addColumn('client_message_id', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'bigint', (c) => c.notNull())
      .addColumn('ciphertext', binaryType(engine), (c) => c.notNull())
      .execute();
    await db.schema.createIndex('envelopes_by_device').on('envelopes').columns(['device_id', 'envelope_id']).execute();
    await db.schema.createIndex('envelopes_by_time').on('envelopes').column('sent_at').execute();
  },
};
