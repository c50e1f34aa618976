import { migrateToLatest } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messagingSchema } from '../src/migrations/2026-11-30-001-messaging.js';
import { leanSendIndexes } from '../src/migrations/2026-11-30-002-lean-send-indexes.js';
import { envelopeBlobs } from '../src/migrations/2026-12-02-001-envelope-blobs.js';
import { migrations } from '../src/migrations/index.js';
import { isUniqueViolation } from '../src/store/store-errors.js';
import type { MessagingTables } from '../src/store/tables.js';

const insertMessage = (db: Database<MessagingTables>['db'], id: string, seq: number, clientMessageId: string) =>
  db
    .insertInto('messages')
    .values({ message_id: id, conversation_id: 'c', seq, sender_account_id: 'a', sender_device_id: 'd', client_message_id: clientMessageId, sent_at: 1 })
    .execute();

describe.each(testEngines())('messaging migrations on $name', (engine) => {
  let database: Database<MessagingTables>;
  beforeEach(async () => {
    database = await engine.open<MessagingTables>();
  });
  afterEach(() => database.close());

  async function hasIndex(name: string): Promise<boolean> {
    const query =
      database.engine === 'postgres'
        ? sql<{ n: number }>`select count(*)::int as n from pg_indexes where schemaname = current_schema() and indexname = ${name}`
        : sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'index' and name = ${name}`;
    return (await query.execute(database.db)).rows[0]?.n === 1;
  }

  it('drops the two send-path indexes no read needs, keeping the messages and the idempotency key', async () => {
    await migrateToLatest(database.db as never, { '2026-11-30-001-messaging': messagingSchema });
    await insertMessage(database.db, 'm1', 1, 'cm-1');
    expect(await hasIndex('envelopes_by_time')).toBe(true);

    expect(
      await migrateToLatest(database.db as never, { '2026-11-30-001-messaging': messagingSchema, '2026-11-30-002-lean-send-indexes': leanSendIndexes }),
    ).toEqual(['2026-11-30-002-lean-send-indexes']);
    // Run again, as after a crash before Kysely recorded it: nothing to do, nothing lost.
    await leanSendIndexes.up(database.db as never);

    expect(await hasIndex('envelopes_by_time')).toBe(false);
    expect(await database.db.selectFrom('messages').select(['message_id', 'seq', 'client_message_id']).execute()).toEqual([
      { message_id: 'm1', seq: 1, client_message_id: 'cm-1' },
    ]);
    await insertMessage(database.db, 'm2', 1, 'cm-2'); // the sequence is no longer a second unique index
    const retry = await insertMessage(database.db, 'm3', 2, 'cm-1').catch((error: unknown) => error);
    expect(isUniqueViolation(retry)).toBe(true);
  });

  it('gives envelopes a place for a ciphertext kept in a segment file, leaving the stored ones in their rows', async () => {
    const { '2026-12-02-001-envelope-blobs': _added, ...earlier } = migrations;
    await migrateToLatest(database.db as never, earlier);
    await sql`insert into envelopes (device_id, message_id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, sent_at, ciphertext)
      values ('d', 'm1', 'c', 1, 'a', 'd0', 'cm-1', 1, ${Buffer.from('sealed')})`.execute(database.db);

    expect(await migrateToLatest(database.db as never, migrations)).toEqual(['2026-12-02-001-envelope-blobs']);
    expect(_added).toBe(envelopeBlobs);

    const rows = await database.db.selectFrom('envelopes').select(['ciphertext', 'blob_segment', 'blob_offset', 'blob_length']).execute();
    expect(rows.map((row) => ({ ...row, ciphertext: Buffer.from(row.ciphertext).toString() }))).toEqual([
      { ciphertext: 'sealed', blob_segment: null, blob_offset: null, blob_length: null },
    ]);
    expect(await hasIndex('envelopes_by_blob_segment')).toBe(true);
  });
});
