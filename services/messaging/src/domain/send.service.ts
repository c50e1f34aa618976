import { AppError } from '@sanctum/kernel';
import type { AccessClaims } from '@sanctum/kernel';
import type { Kysely } from 'kysely';
import type { GroupCommitter } from '../store/group-commit.js';
import type { MessageStore } from '../store/message.store.js';
import type { NewEnvelope, QueueStore, StoredEnvelope } from '../store/queue.store.js';
import { isTransientConflict, isUniqueViolation } from '../store/store-errors.js';
import type { MessageRow, MessagingTables } from '../store/tables.js';
import { compareDevices } from './device-set.js';
import { timeOrderedId } from './ids.js';

export interface AddressedCiphertext {
  readonly deviceId: string;
  /** base64url, no padding. */
  readonly ciphertext: string;
}

/** What a device sends, as parsed from the request body. */
export interface SendBody {
  readonly clientMessageId: string;
  readonly envelopes: readonly AddressedCiphertext[];
}

/**
 * A send body checked and decoded: the ciphertexts as bytes. It holds no
 * reference to the base64url text, so the caller can drop the parsed body
 * (87 KB of text per 64 KiB ciphertext) while the send waits for its commit:
 * text that dies before the next scavenge costs the garbage collector
 * nothing, text still referenced is copied, then promoted.
 */
export interface DecodedSend {
  readonly clientMessageId: string;
  readonly deviceIds: readonly string[];
  readonly ciphertexts: readonly Buffer[];
}

export interface SendRequest extends DecodedSend {
  readonly conversationId: string;
  readonly sender: Pick<AccessClaims, 'accountId' | 'deviceId'>;
}

export interface SendResult {
  readonly messageId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly sentAt: number;
  /** True when this was a retry of a send already stored: nothing new was stored. */
  readonly replayed: boolean;
}

export interface SendServiceOptions {
  readonly committer: GroupCommitter;
  readonly messages: MessageStore;
  readonly queues: QueueStore;
  readonly maxCiphertextBytes: number;
  readonly queueMaxDepth: number;
  readonly clock: () => number;
  /** Called after commit with the envelopes just stored (their sockets push them). */
  readonly onStored: (envelopes: readonly StoredEnvelope[]) => void;
}

/**
 * Stores one message: one envelope per recipient device, a per-conversation
 * sequence number, idempotent by (sending device, client message id). Resolves
 * after the envelopes are committed.
 */
export class SendService {
  constructor(private readonly options: SendServiceOptions) {}

  /** Resolves once every envelope is committed (or with the first result, for a retry). */
  async send(request: SendRequest): Promise<SendResult> {
    let stored: { result: SendResult; envelopes: readonly StoredEnvelope[] };
    try {
      stored = await this.options.committer.run((trx) => this.store(trx, request));
    } catch (error) {
      if (isUniqueViolation(error)) return this.replay(request);
      if (isTransientConflict(error)) throw new AppError('MSG_STORE_BUSY', 'The message store is busy; retry with the same clientMessageId', 503);
      throw error;
    }
    this.options.onStored(stored.envelopes);
    return stored.result;
  }

  /** Size, encoding and duplicate checks before any database work; sizes are of the decoded bytes. */
  decode(body: SendBody): DecodedSend {
    const seen = new Set<string>();
    const ciphertexts = body.envelopes.map((envelope) => {
      if (seen.has(envelope.deviceId)) {
        throw new AppError('MSG_DUPLICATE_DEVICE', `Device ${envelope.deviceId} is addressed twice`, 400, { deviceId: envelope.deviceId });
      }
      seen.add(envelope.deviceId);
      const bytes = Math.floor((envelope.ciphertext.length * 3) / 4);
      if (bytes > this.options.maxCiphertextBytes) {
        throw new AppError('MSG_PAYLOAD_TOO_LARGE', `The ciphertext for device ${envelope.deviceId} is ${bytes} bytes; the limit is ${this.options.maxCiphertextBytes}`, 413, {
          deviceId: envelope.deviceId,
          bytes,
          limit: this.options.maxCiphertextBytes,
        });
      }
      const decoded = Buffer.from(envelope.ciphertext, 'base64url');
      // Node's decoder skips characters outside the alphabet and stops at '=', so a
      // shorter result than the length promises means the text was not base64url.
      if (envelope.ciphertext.length % 4 === 1 || decoded.length !== bytes) {
        throw new AppError('MSG_INVALID_CIPHERTEXT', `The ciphertext for device ${envelope.deviceId} is not base64url (without padding)`, 400, {
          deviceId: envelope.deviceId,
        });
      }
      return decoded;
    });
    return { clientMessageId: body.clientMessageId, deviceIds: [...seen], ciphertexts };
  }

  private async store(
    trx: Kysely<MessagingTables>,
    request: SendRequest,
  ): Promise<{ result: SendResult; envelopes: readonly StoredEnvelope[] }> {
    const { messages, queues } = this.options;
    // Sequence first: it locks the conversation (PostgreSQL), then the message
    // row, whose unique (device, client id) turns a retry into a replay before
    // any check that might now answer differently.
    const seq = await messages.nextSeq(trx, request.conversationId);
    if (seq === undefined) throw new AppError('MSG_CONVERSATION_NOT_FOUND', 'No such conversation', 404);
    const sentAt = this.options.clock();
    const message: MessageRow = {
      message_id: timeOrderedId(sentAt),
      conversation_id: request.conversationId,
      seq,
      sender_account_id: request.sender.accountId,
      sender_device_id: request.sender.deviceId,
      client_message_id: request.clientMessageId,
      sent_at: sentAt,
    };
    await messages.insert(trx, message);

    const members = await messages.memberAccounts(trx, request.conversationId);
    if (!members.includes(request.sender.accountId)) {
      throw new AppError('MSG_NOT_A_MEMBER', 'Only members may send to this conversation', 403);
    }
    const known = await messages.devicesOf(trx, members);
    const addressed = request.deviceIds;
    const mismatch = compareDevices(known, request.sender.deviceId, addressed);
    if (mismatch !== undefined) {
      throw new AppError('MSG_DEVICE_MISMATCH', 'The addressed devices differ from the members’ current devices', 409, { ...mismatch });
    }
    const depth = new Map(known.map((d) => [d.device_id, d.queue_depth]));
    const full = addressed.filter((deviceId) => (depth.get(deviceId) ?? 0) >= this.options.queueMaxDepth);
    if (full.length > 0) {
      throw new AppError('MSG_RECIPIENT_QUEUE_FULL', 'A recipient device has too many unacknowledged envelopes', 429, { devices: full });
    }

    const envelopes: NewEnvelope[] = addressed.map((deviceId, index) => ({
      device_id: deviceId,
      message_id: message.message_id,
      conversation_id: message.conversation_id,
      seq,
      sender_account_id: message.sender_account_id,
      sender_device_id: message.sender_device_id,
      client_message_id: message.client_message_id,
      sent_at: sentAt,
      ciphertext: request.ciphertexts[index] ?? Buffer.alloc(0),
    }));
    return { result: toResult(message, false), envelopes: await queues.append(trx, envelopes) };
  }

  private async replay(request: SendRequest): Promise<SendResult> {
    const first = await this.options.messages.byClientId(request.sender.deviceId, request.clientMessageId);
    if (first === undefined) {
      // The conflicting row vanished (expired by retention in between): let the client retry.
      throw new AppError('MSG_STORE_BUSY', 'The message store is busy; retry with the same clientMessageId', 503);
    }
    if (first.conversation_id !== request.conversationId) {
      throw new AppError('MSG_CLIENT_ID_REUSED', 'This clientMessageId was already used for another conversation', 409, {
        conversationId: first.conversation_id,
      });
    }
    return toResult(first, true);
  }
}

function toResult(message: MessageRow, replayed: boolean): SendResult {
  return {
    messageId: message.message_id,
    conversationId: message.conversation_id,
    seq: message.seq,
    sentAt: message.sent_at,
    replayed,
  };
}
