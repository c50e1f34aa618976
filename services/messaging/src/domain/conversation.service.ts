import { AppError } from '@sanctum/kernel';
import type { Kysely } from 'kysely';
import type { ConversationRecord, ConversationStore, Role } from '../store/conversation.store.js';
import type { ReplicaStore } from '../store/replica.store.js';
import { isUniqueViolation } from '../store/store-errors.js';
import type { MemberRow, MessagingTables } from '../store/tables.js';
import type { Writer } from '../writer/writer.js';
import { timeOrderedId } from './ids.js';

export interface ConversationServiceOptions {
  readonly db: Kysely<MessagingTables>;
  readonly writer: Writer;
  readonly conversations: ConversationStore;
  readonly replica: ReplicaStore;
  readonly groupMaxMembers: number;
  readonly clock: () => number;
}

/** The key that makes a direct conversation unique per pair of accounts. */
export function directKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

/**
 * Conversations: direct (exactly two accounts, found or created) and group
 * (admins and members, up to a configured size). Every change of metadata or
 * membership bumps the version, which is the ETag.
 */
export class ConversationService {
  constructor(private readonly options: ConversationServiceOptions) {}

  async createGroup(creator: string, memberIds: readonly string[], metadata: string | null): Promise<ConversationRecord> {
    const others = [...new Set(memberIds)].filter((id) => id !== creator);
    if (others.length + 1 > this.options.groupMaxMembers) {
      throw new AppError('MSG_GROUP_FULL', `A group has at most ${this.options.groupMaxMembers} members`, 409, { max: this.options.groupMaxMembers });
    }
    await this.requireAccounts(others);
    const now = this.options.clock();
    const conversationId = timeOrderedId(now);
    const members: MemberRow[] = [
      { conversation_id: conversationId, account_id: creator, role: 'admin', joined_at: now },
      ...others.map((accountId) => ({ conversation_id: conversationId, account_id: accountId, role: 'member' as const, joined_at: now })),
    ];
    await this.options.writer.run('createConversation', {
      conversation: { conversation_id: conversationId, kind: 'group', direct_key: null, metadata, version: 1, last_seq: 0, created_at: now },
      members,
    });
    return this.require(conversationId);
  }

  /** The direct conversation of two accounts, created on first use; `created` says which. */
  async openDirect(self: string, peer: string): Promise<{ record: ConversationRecord; created: boolean }> {
    if (peer === self) throw new AppError('MSG_INVALID_MEMBERS', 'A direct conversation needs another account', 400);
    const key = directKey(self, peer);
    const existing = await this.options.conversations.byDirectKey(this.options.db, key);
    if (existing !== undefined) return { record: await this.require(existing.conversation_id), created: false };
    await this.requireAccounts([peer]);
    const now = this.options.clock();
    const conversationId = timeOrderedId(now);
    try {
      await this.options.writer.run('createConversation', {
        conversation: { conversation_id: conversationId, kind: 'direct', direct_key: key, metadata: null, version: 1, last_seq: 0, created_at: now },
        members: [self, peer].map((accountId) => ({ conversation_id: conversationId, account_id: accountId, role: 'member' as const, joined_at: now })),
      });
      return { record: await this.require(conversationId), created: true };
    } catch (error) {
      // Another request (maybe on another instance) created it first.
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.options.conversations.byDirectKey(this.options.db, key);
      if (winner === undefined) throw error;
      return { record: await this.require(winner.conversation_id), created: false };
    }
  }

  /** The id of the direct conversation of two accounts, created on first use (the send path: one read when it exists). */
  async directConversationId(self: string, peer: string): Promise<string> {
    const existing = peer === self ? undefined : await this.options.conversations.directId(directKey(self, peer));
    return existing ?? (await this.openDirect(self, peer)).record.conversation.conversation_id;
  }

  /** A conversation the caller belongs to. */
  async get(caller: string, conversationId: string): Promise<ConversationRecord> {
    const record = await this.require(conversationId);
    if (!record.members.some((m) => m.account_id === caller)) {
      throw new AppError('MSG_NOT_A_MEMBER', 'You are not a member of this conversation', 403);
    }
    return record;
  }

  async list(caller: string, after: string | undefined, limit: number): Promise<ConversationRecord[]> {
    return this.options.conversations.listFor(caller, after, limit);
  }

  /** Replaces the metadata if `expectedVersion` is still current (optimistic concurrency). */
  async updateMetadata(caller: string, conversationId: string, metadata: string | null, expectedVersion: number | '*'): Promise<ConversationRecord> {
    const record = await this.get(caller, conversationId);
    this.requireAdminOfGroup(record, caller);
    const version = expectedVersion === '*' ? record.conversation.version : expectedVersion;
    const updated = await this.options.writer.run('updateMetadata', { conversationId, metadata, expectedVersion: version });
    if (!updated) {
      const current = await this.require(conversationId);
      throw new AppError('MSG_VERSION_MISMATCH', 'The conversation changed since you read it; read it again', 412, {
        currentVersion: current.conversation.version,
      });
    }
    return this.require(conversationId);
  }

  async addMembers(caller: string, conversationId: string, accountIds: readonly string[], role: Role): Promise<ConversationRecord> {
    const record = await this.get(caller, conversationId);
    this.requireGroup(record);
    this.requireAdmin(record, caller);
    const present = new Set(record.members.map((m) => m.account_id));
    const fresh = [...new Set(accountIds)].filter((id) => !present.has(id));
    if (present.size + fresh.length > this.options.groupMaxMembers) {
      throw new AppError('MSG_GROUP_FULL', `A group has at most ${this.options.groupMaxMembers} members`, 409, { max: this.options.groupMaxMembers });
    }
    await this.requireAccounts(fresh);
    if (fresh.length === 0) return record;
    const now = this.options.clock();
    await this.options.writer.run('addMembers', {
      conversationId,
      members: fresh.map((accountId) => ({ conversation_id: conversationId, account_id: accountId, role, joined_at: now })),
    });
    return this.require(conversationId);
  }

  /** An admin removes a member, or a member removes themself (leaves). The last admin to leave hands over to the longest-standing member. */
  async removeMember(caller: string, conversationId: string, accountId: string): Promise<void> {
    const record = await this.get(caller, conversationId);
    this.requireGroup(record);
    if (accountId !== caller) this.requireAdmin(record, caller);
    const target = record.members.find((m) => m.account_id === accountId);
    if (target === undefined) throw new AppError('MSG_MEMBER_NOT_FOUND', 'That account is not a member', 404);
    const remaining = record.members.filter((m) => m.account_id !== accountId);
    const successor = remaining.some((m) => m.role === 'admin') ? undefined : remaining[0];
    await this.options.writer.run('removeMember', { conversationId, accountId, ...(successor === undefined ? {} : { successor: successor.account_id }) });
  }

  async setRole(caller: string, conversationId: string, accountId: string, role: Role): Promise<ConversationRecord> {
    const record = await this.get(caller, conversationId);
    this.requireGroup(record);
    this.requireAdmin(record, caller);
    const target = record.members.find((m) => m.account_id === accountId);
    if (target === undefined) throw new AppError('MSG_MEMBER_NOT_FOUND', 'That account is not a member', 404);
    if (role === 'member' && target.role === 'admin' && record.members.filter((m) => m.role === 'admin').length === 1) {
      throw new AppError('MSG_LAST_ADMIN', 'A group needs at least one admin; promote someone first', 409);
    }
    await this.options.writer.run('setRole', { conversationId, accountId, role });
    return this.require(conversationId);
  }

  private async require(conversationId: string): Promise<ConversationRecord> {
    const record = await this.options.conversations.find(this.options.db, conversationId);
    if (record === undefined) throw new AppError('MSG_CONVERSATION_NOT_FOUND', 'No such conversation', 404);
    return record;
  }

  private async requireAccounts(accountIds: readonly string[]): Promise<void> {
    const existing = await this.options.replica.existingAccounts(this.options.db, accountIds);
    const unknown = accountIds.filter((id) => !existing.has(id));
    if (unknown.length > 0) throw new AppError('MSG_ACCOUNT_NOT_FOUND', 'Some accounts do not exist', 404, { accountIds: unknown });
  }

  private requireGroup(record: ConversationRecord): void {
    if (record.conversation.kind !== 'group') throw new AppError('MSG_NOT_A_GROUP', 'Direct conversations have fixed members', 409);
  }

  private requireAdmin(record: ConversationRecord, caller: string): void {
    if (!record.members.some((m) => m.account_id === caller && m.role === 'admin')) {
      throw new AppError('MSG_NOT_ADMIN', 'Only an admin of the group may do this', 403);
    }
  }

  /** Group metadata is for admins; in a direct conversation either member may set it. */
  private requireAdminOfGroup(record: ConversationRecord, caller: string): void {
    if (record.conversation.kind === 'group') this.requireAdmin(record, caller);
  }
}
