import { AppError } from '@sanctum/kernel/core';
import type { AuthEvent } from '@sanctum/kernel';
import type { Kysely } from 'kysely';
import { compareDevices } from '../domain/device-set.js';
import { timeOrderedId } from '../domain/ids.js';
import type { ConversationStore, Role } from '../store/conversation.store.js';
import type { MessageStore } from '../store/message.store.js';
import type { ExpireStep, NewEnvelope, QueueStore } from '../store/queue.store.js';
import type { ReplicaEffect, ReplicaStore } from '../store/replica.store.js';
import type { SqlProgram } from '../store/sql-program.js';
import type { ConversationRow, MemberRow, MessageRow, MessagingTables } from '../store/tables.js';

/** The stores a write operation may use, all bound to the writing connection. */
export interface WriteStores {
  readonly messages: MessageStore;
  readonly queues: QueueStore;
  readonly conversations: ConversationStore;
  readonly replica: ReplicaStore;
}

/** One message to store: what the send route checked and decoded, plus the time it was taken. */
export interface StoreMessageArgs {
  readonly conversationId: string;
  readonly senderAccountId: string;
  readonly senderDeviceId: string;
  readonly clientMessageId: string;
  /** The addressed devices, each once, in the order of `ciphertexts`. */
  readonly deviceIds: readonly string[];
  readonly ciphertexts: readonly Uint8Array[];
  readonly sentAt: number;
  readonly queueMaxDepth: number;
}

export interface StoredMessage {
  readonly message: MessageRow;
  /** The new envelope ids, in the order of `deviceIds`. */
  readonly envelopeIds: readonly number[];
}

/**
 * Stores one message: one envelope per addressed device under a fresh
 * per-conversation sequence number. Throws AppError for a 4xx (not a member,
 * device set differs, a queue is full) and the engine's unique violation for a
 * retried client message id; the caller's savepoint undoes either.
 */
function* storeMessage(stores: WriteStores, args: StoreMessageArgs): SqlProgram<StoredMessage> {
  const { messages, queues } = stores;
  // Sequence first: it locks the conversation (PostgreSQL), then the message
  // row, whose unique (device, client id) turns a retry into a replay before
  // any check that might now answer differently.
  const seq = yield* messages.nextSeq(args.conversationId);
  if (seq === undefined) throw new AppError('MSG_CONVERSATION_NOT_FOUND', 'No such conversation', 404);
  const message: MessageRow = {
    message_id: timeOrderedId(args.sentAt),
    conversation_id: args.conversationId,
    seq,
    sender_account_id: args.senderAccountId,
    sender_device_id: args.senderDeviceId,
    client_message_id: args.clientMessageId,
    sent_at: args.sentAt,
  };
  yield* messages.insert(message);

  const members = yield* messages.memberAccounts(args.conversationId);
  if (!members.includes(args.senderAccountId)) {
    throw new AppError('MSG_NOT_A_MEMBER', 'Only members may send to this conversation', 403);
  }
  const known = yield* messages.devicesOf(members);
  const mismatch = compareDevices(known, args.senderDeviceId, args.deviceIds);
  if (mismatch !== undefined) {
    throw new AppError('MSG_DEVICE_MISMATCH', 'The addressed devices differ from the members’ current devices', 409, { ...mismatch });
  }
  const depth = new Map(known.map((d) => [d.device_id, d.queue_depth]));
  const full = args.deviceIds.filter((deviceId) => (depth.get(deviceId) ?? 0) >= args.queueMaxDepth);
  if (full.length > 0) {
    throw new AppError('MSG_RECIPIENT_QUEUE_FULL', 'A recipient device has too many unacknowledged envelopes', 429, { devices: full });
  }

  const envelopes: NewEnvelope[] = args.deviceIds.map((deviceId, index) => ({
    device_id: deviceId,
    message_id: message.message_id,
    conversation_id: message.conversation_id,
    seq,
    sender_account_id: message.sender_account_id,
    sender_device_id: message.sender_device_id,
    client_message_id: message.client_message_id,
    sent_at: message.sent_at,
    ciphertext: asBuffer(args.ciphertexts[index]),
  }));
  const stored = yield* queues.append(envelopes);
  return { message, envelopeIds: stored.map((e) => e.envelope_id) };
}

/** A ciphertext that crossed a thread arrives as a plain Uint8Array; the drivers bind Buffers. */
function asBuffer(bytes: Uint8Array | undefined): Buffer {
  if (bytes === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The writes a steady stream of sends is made of, written as SQL programs
 * (see sql-program.ts): on SQLite a batch of them commits without a promise
 * per statement.
 */
export const programOperations = {
  storeMessage,

  /** Deletes the device's envelopes among the ids; returns the sent-at times of those deleted. */
  ack: (stores: WriteStores, args: { readonly deviceId: string; readonly envelopeIds: readonly number[] }): SqlProgram<number[]> =>
    stores.queues.ack(args.deviceId, args.envelopeIds),
};

/** The other writes (rarer: membership, the Auth replica, retention), as Kysely code inside the transaction. */
export const transactionOperations = {
  /** Applies a batch of Auth's events to the replica and moves the feed cursor. */
  applyAuthEvents: (
    stores: WriteStores,
    trx: Kysely<MessagingTables>,
    args: { readonly events: readonly AuthEvent[]; readonly cursor: number },
  ): Promise<ReplicaEffect[]> => stores.replica.applyBatch(trx, args.events, args.cursor),

  createConversation: (
    stores: WriteStores,
    trx: Kysely<MessagingTables>,
    args: { readonly conversation: ConversationRow; readonly members: readonly MemberRow[] },
  ): Promise<void> => stores.conversations.insert(trx, args.conversation, args.members),

  /** False when `expectedVersion` is no longer current (nothing changed). */
  updateMetadata: (
    stores: WriteStores,
    trx: Kysely<MessagingTables>,
    args: { readonly conversationId: string; readonly metadata: string | null; readonly expectedVersion: number },
  ): Promise<boolean> => stores.conversations.updateMetadata(trx, args.conversationId, args.metadata, args.expectedVersion),

  async addMembers(stores: WriteStores, trx: Kysely<MessagingTables>, args: { readonly conversationId: string; readonly members: readonly MemberRow[] }): Promise<void> {
    await stores.conversations.addMembers(trx, args.members);
    await stores.conversations.bumpVersion(trx, args.conversationId);
  },

  /** Removes a member; `successor`, when given, becomes admin in the same transaction. */
  async removeMember(
    stores: WriteStores,
    trx: Kysely<MessagingTables>,
    args: { readonly conversationId: string; readonly accountId: string; readonly successor?: string },
  ): Promise<void> {
    await stores.conversations.removeMember(trx, args.conversationId, args.accountId);
    if (args.successor !== undefined) await stores.conversations.setRole(trx, args.conversationId, args.successor, 'admin');
    await stores.conversations.bumpVersion(trx, args.conversationId);
  },

  async setRole(stores: WriteStores, trx: Kysely<MessagingTables>, args: { readonly conversationId: string; readonly accountId: string; readonly role: Role }): Promise<void> {
    await stores.conversations.setRole(trx, args.conversationId, args.accountId, args.role);
    await stores.conversations.bumpVersion(trx, args.conversationId);
  },

  /** One retention step over the device queues after `afterDeviceId` (see QueueStore.expire). */
  expireEnvelopes: (
    stores: WriteStores,
    trx: Kysely<MessagingTables>,
    args: { readonly cutoff: number; readonly limit: number; readonly afterDeviceId?: string },
  ): Promise<ExpireStep> => stores.queues.expire(trx, args.cutoff, args.limit, args.afterDeviceId),

  /** Deletes up to `limit` idempotency records older than `cutoff`; returns how many. */
  deleteMessages: (stores: WriteStores, trx: Kysely<MessagingTables>, args: { readonly cutoff: number; readonly limit: number }): Promise<number> =>
    stores.messages.deleteOlderThan(trx, args.cutoff, args.limit),
};

/**
 * Operations that may commit lazily (see GroupCommitter.run): losing one in
 * a power cut only means an envelope is delivered again.
 */
export const LAZY_OPERATIONS: ReadonlySet<WriteOperationName> = new Set<WriteOperationName>(['ack']);

type ProgramOperations = typeof programOperations;
type TransactionOperations = typeof transactionOperations;
type ProgramResult<P> = P extends SqlProgram<infer T> ? T : never;

/**
 * Every database write Messaging makes, by name, with plain-data arguments
 * and results. Naming them (instead of passing closures) lets the same code
 * run in-process (PostgreSQL, SQLite in memory) or on the SQLite writer
 * thread, where a closure could not be sent. Each runs inside one savepoint
 * of a group-committed transaction (see GroupCommitter).
 */
export type WriteOperationName = keyof ProgramOperations | keyof TransactionOperations;
export type WriteArgs<K extends WriteOperationName> = K extends keyof ProgramOperations
  ? Parameters<ProgramOperations[K]>[1]
  : K extends keyof TransactionOperations
    ? Parameters<TransactionOperations[K]>[2]
    : never;
export type WriteResult<K extends WriteOperationName> = K extends keyof ProgramOperations
  ? ProgramResult<ReturnType<ProgramOperations[K]>>
  : K extends keyof TransactionOperations
    ? Awaited<ReturnType<TransactionOperations[K]>>
    : never;
