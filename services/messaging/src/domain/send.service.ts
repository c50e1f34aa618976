import { AppError } from '@sanctum/kernel';
import type { AccessClaims } from '@sanctum/kernel';
import type { MessageStore } from '../store/message.store.js';
import type { StoredEnvelope } from '../store/queue.store.js';
import { isTransientConflict, isUniqueViolation } from '../store/store-errors.js';
import type { MessageRow } from '../store/tables.js';
import type { StoreMessageArgs, StoredMessage } from '../writer/write-operations.js';
import type { Writer } from '../writer/writer.js';

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
  readonly writer: Writer;
  /** Reads the first result of a retried send. */
  readonly messages: MessageStore;
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
      stored = this.withEnvelopes(request, await this.options.writer.run('storeMessage', this.storeArgs(request)));
    } catch (error) {
      if (isUniqueViolation(error)) return this.replay(request);
      if (isTransientConflict(error)) throw new AppError('MSG_STORE_BUSY', 'The message store is busy; retry with the same clientMessageId', 503);
      throw error;
    }
    this.options.onStored(stored.envelopes);
    return stored.result;
  }

  private storeArgs(request: SendRequest): StoreMessageArgs {
    return {
      conversationId: request.conversationId,
      senderAccountId: request.sender.accountId,
      senderDeviceId: request.sender.deviceId,
      clientMessageId: request.clientMessageId,
      deviceIds: request.deviceIds,
      ciphertexts: request.ciphertexts,
      sentAt: this.options.clock(),
      queueMaxDepth: this.options.queueMaxDepth,
    };
  }

  /**
   * The stored envelopes, for live push, from the request's own ciphertexts
   * and the ids the writer assigned: the bytes need not come back from the
   * writer thread.
   */
  private withEnvelopes(request: SendRequest, stored: StoredMessage): { result: SendResult; envelopes: readonly StoredEnvelope[] } {
    const { message } = stored;
    const envelopes = request.deviceIds.map((deviceId, index) => ({
      envelope_id: stored.envelopeIds[index] ?? 0,
      device_id: deviceId,
      message_id: message.message_id,
      conversation_id: message.conversation_id,
      seq: message.seq,
      sender_account_id: message.sender_account_id,
      sender_device_id: message.sender_device_id,
      client_message_id: message.client_message_id,
      sent_at: message.sent_at,
      ciphertext: request.ciphertexts[index] ?? Buffer.alloc(0),
    }));
    return { result: toResult(message, false), envelopes };
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
