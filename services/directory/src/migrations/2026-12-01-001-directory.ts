import { binaryType, engineOf } from '@sanctum/kernel';
import type { Kysely, Migration } from 'kysely';

/** Devices replica, handles, profiles, prekeys and the follower cursor. Never edit once landed. */
export const directoryMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const binary = binaryType(engineOf(db));
    await db.schema
      .createTable('devices')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('identity_key', binary, (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('removed_at', 'bigint')
      .execute();
    await db.schema.createIndex('devices_account_idx').on('devices').columns(['account_id', 'removed_at']).execute();

    await db.schema
      .createTable('handles')
      .addColumn('handle', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().unique())
      .addColumn('claimed_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('profiles')
      .addColumn('account_id', 'text', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('blob', binary)
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('signed_prekeys')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key_id', 'bigint', (c) => c.notNull())
      .addColumn('public_key', binary, (c) => c.notNull())
      .addColumn('signature', binary, (c) => c.notNull())
      .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('signed_prekeys_pk', ['device_id', 'kind'])
      .execute();

    await db.schema
      .createTable('one_time_prekeys')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key_id', 'bigint', (c) => c.notNull())
      .addColumn('public_key', binary, (c) => c.notNull())
      .addColumn('signature', binary)
      .addPrimaryKeyConstraint('one_time_prekeys_pk', ['device_id', 'kind', 'key_id'])
      .execute();

    await db.schema
      .createTable('follower_state')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('cursor', 'bigint', (c) => c.notNull())
      .execute();
  },
};
