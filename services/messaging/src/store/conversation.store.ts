import type { Kysely } from 'kysely';
import type { RawSql } from './raw-query.js';
import type { ConversationRow, MemberRow, MessagingTables } from './tables.js';

export type Role = MemberRow['role'];

export interface ConversationRecord {
  readonly conversation: ConversationRow;
  readonly members: readonly MemberRow[];
}

/** Conversations and their members. Writes take the transaction they run in; reads use the pool. */
export class ConversationStore {
  /**
   * Direct conversation ids by key, remembered once found: a direct
   * conversation is never deleted and its key never changes, so a remembered
   * id stays right (on every instance); misses are not remembered. Saves the
   * send path a read transaction per direct send.
   */
  private readonly directIds = new Map<string, string>();

  constructor(
    private readonly db: Kysely<MessagingTables>,
    private readonly raw: RawSql,
    private readonly directIdsRemembered = 10_000,
  ) {}

  async insert(trx: Kysely<MessagingTables>, conversation: ConversationRow, members: readonly MemberRow[]): Promise<void> {
    await trx.insertInto('conversations').values(conversation).execute();
    if (members.length > 0) await trx.insertInto('members').values([...members]).execute();
  }

  async byDirectKey(db: Kysely<MessagingTables>, directKey: string): Promise<ConversationRow | undefined> {
    return db.selectFrom('conversations').selectAll().where('direct_key', '=', directKey).executeTakeFirst();
  }

  /** The send path's lookup: just the id of a direct conversation. */
  async directId(directKey: string): Promise<string | undefined> {
    const remembered = this.directIds.get(directKey);
    if (remembered !== undefined) return remembered;
    const rows = await this.raw.rows<{ conversation_id: string }>(this.db, 'select conversation_id from conversations where direct_key = ?', [directKey]);
    const found = rows[0]?.conversation_id;
    if (found !== undefined) {
      // Bounded: forget the oldest (Map keeps insertion order) rather than grow with every pair ever seen.
      const oldest = this.directIds.keys().next();
      if (this.directIds.size >= this.directIdsRemembered && oldest.done !== true) this.directIds.delete(oldest.value);
      this.directIds.set(directKey, found);
    }
    return found;
  }

  async find(db: Kysely<MessagingTables>, conversationId: string): Promise<ConversationRecord | undefined> {
    const conversation = await db.selectFrom('conversations').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
    if (conversation === undefined) return undefined;
    const members = await db
      .selectFrom('members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('joined_at')
      .orderBy('account_id')
      .execute();
    return { conversation, members };
  }

  /** The caller's conversations in id order (ids are time-ordered), after `after`, at most `limit`. */
  async listFor(accountId: string, after: string | undefined, limit: number): Promise<ConversationRecord[]> {
    let query = this.db
      .selectFrom('members')
      .innerJoin('conversations', 'conversations.conversation_id', 'members.conversation_id')
      .selectAll('conversations')
      .where('members.account_id', '=', accountId);
    if (after !== undefined) query = query.where('members.conversation_id', '>', after);
    const conversations = await query.orderBy('members.conversation_id').limit(limit).execute();
    if (conversations.length === 0) return [];
    const members = await this.db
      .selectFrom('members')
      .selectAll()
      .where(
        'conversation_id',
        'in',
        conversations.map((c) => c.conversation_id),
      )
      .orderBy('joined_at')
      .orderBy('account_id')
      .execute();
    return conversations.map((conversation) => ({
      conversation,
      members: members.filter((m) => m.conversation_id === conversation.conversation_id),
    }));
  }

  /** Sets new metadata when the version still matches; returns false when someone changed it first. */
  async updateMetadata(trx: Kysely<MessagingTables>, conversationId: string, metadata: string | null, expectedVersion: number): Promise<boolean> {
    const result = await trx
      .updateTable('conversations')
      .set((eb) => ({ metadata, version: eb('version', '+', 1) }))
      .where('conversation_id', '=', conversationId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async bumpVersion(trx: Kysely<MessagingTables>, conversationId: string): Promise<void> {
    await trx
      .updateTable('conversations')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('conversation_id', '=', conversationId)
      .execute();
  }

  async addMembers(trx: Kysely<MessagingTables>, members: readonly MemberRow[]): Promise<void> {
    if (members.length === 0) return;
    await trx
      .insertInto('members')
      .values([...members])
      .onConflict((oc) => oc.columns(['conversation_id', 'account_id']).doNothing())
      .execute();
  }

  async removeMember(trx: Kysely<MessagingTables>, conversationId: string, accountId: string): Promise<void> {
    await trx.deleteFrom('members').where('conversation_id', '=', conversationId).where('account_id', '=', accountId).execute();
  }

  async setRole(trx: Kysely<MessagingTables>, conversationId: string, accountId: string, role: Role): Promise<void> {
    await trx
      .updateTable('members')
      .set({ role })
      .where('conversation_id', '=', conversationId)
      .where('account_id', '=', accountId)
      .execute();
  }
}
