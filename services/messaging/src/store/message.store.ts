import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { timeOrderedIdFloor } from '../domain/ids.js';
import { placeholders } from './raw-query.js';
import type { RawSql } from './raw-query.js';
import { execute, selectRows } from './sql-program.js';
import type { SqlProgram } from './sql-program.js';
import type { DeviceRow, MessageRow, MessagingTables } from './tables.js';

export type RecipientDevice = Pick<DeviceRow, 'device_id' | 'account_id' | 'removed_at' | 'queue_depth'>;

/** Messages (the idempotency records and sequence numbers) and the lookups a send needs. */
export class MessageStore {
  constructor(
    private readonly db: Kysely<MessagingTables>,
    private readonly raw: RawSql,
  ) {}

  /**
   * Takes the next sequence number of a conversation. On PostgreSQL this locks
   * the conversation row until commit, so sequence numbers commit in order.
   * Undefined when the conversation does not exist.
   */
  *nextSeq(conversationId: string): SqlProgram<number | undefined> {
    const rows = yield* selectRows<{ last_seq: number }>('update conversations set last_seq = last_seq + 1 where conversation_id = ? returning last_seq', [
      conversationId,
    ]);
    return rows[0]?.last_seq;
  }

  *memberAccounts(conversationId: string): SqlProgram<string[]> {
    const rows = yield* selectRows<{ account_id: string }>('select account_id from members where conversation_id = ?', [conversationId]);
    return rows.map((r) => r.account_id);
  }

  /**
   * Every known device of these accounts. On PostgreSQL the rows are locked in
   * device-id order (no deadlock between concurrent sends) and stay locked to
   * commit, so envelopes for one device get ids in commit order and a socket
   * reading "after the last id I sent" never skips one.
   */
  *devicesOf(accountIds: readonly string[]): SqlProgram<RecipientDevice[]> {
    if (accountIds.length === 0) return [];
    return yield* selectRows<RecipientDevice>(
      `select device_id, account_id, removed_at, queue_depth from devices where account_id in (${placeholders(accountIds.length)}) order by device_id${this.raw.forUpdate}`,
      accountIds,
    );
  }

  *insert(message: MessageRow): SqlProgram<void> {
    yield* execute(
      'insert into messages (message_id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, sent_at) values (?, ?, ?, ?, ?, ?, ?)',
      [message.message_id, message.conversation_id, message.seq, message.sender_account_id, message.sender_device_id, message.client_message_id, message.sent_at],
    );
  }

  async byClientId(senderDeviceId: string, clientMessageId: string): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('sender_device_id', '=', senderDeviceId)
      .where('client_message_id', '=', clientMessageId)
      .executeTakeFirst();
  }

  /**
   * Deletes idempotency records older than `cutoff`; returns how many. Message
   * ids are UUIDv7, whose text sorts by creation time, so the primary key finds
   * them without an index on sent_at.
   */
  async deleteOlderThan(trx: Kysely<MessagingTables>, cutoff: number, limit: number): Promise<number> {
    const bound = timeOrderedIdFloor(cutoff);
    const result = await trx
      .deleteFrom('messages')
      .where('message_id', 'in', (eb) => eb.selectFrom('messages').select('message_id').where('message_id', '<', bound).orderBy('message_id').limit(limit))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** For tests and diagnostics: how many messages a conversation holds. */
  async countIn(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom('messages')
      .select(sql<number>`count(*)`.as('n'))
      .where('conversation_id', '=', conversationId)
      .executeTakeFirstOrThrow();
    return row.n;
  }
}
