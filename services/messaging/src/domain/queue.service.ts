import type { MessagingMetrics } from '../metrics/messaging.metrics.js';
import type { QueueStore, StoredEnvelope } from '../store/queue.store.js';
import type { Writer } from '../writer/writer.js';

/** An envelope as a device receives it (HTTP poll and WebSocket alike). */
export interface EnvelopeView extends EnvelopeHeader {
  /** base64url, no padding. */
  readonly ciphertext: string;
}

/** Everything of an envelope view but the ciphertext. */
export interface EnvelopeHeader {
  readonly id: number;
  readonly messageId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly senderAccountId: string;
  readonly senderDeviceId: string;
  readonly clientMessageId: string;
  readonly sentAt: number;
}

export function toEnvelopeHeader(row: StoredEnvelope): EnvelopeHeader {
  return {
    id: row.envelope_id,
    messageId: row.message_id,
    conversationId: row.conversation_id,
    seq: row.seq,
    senderAccountId: row.sender_account_id,
    senderDeviceId: row.sender_device_id,
    clientMessageId: row.client_message_id,
    sentAt: row.sent_at,
  };
}

export function toEnvelopeView(row: StoredEnvelope): EnvelopeView {
  return { ...toEnvelopeHeader(row), ciphertext: Buffer.from(row.ciphertext).toString('base64url') };
}

/** A device's queue: read after a cursor, acknowledge by id. Only the device itself ever reaches its queue. */
export class QueueService {
  constructor(
    private readonly queues: QueueStore,
    private readonly writer: Writer,
    private readonly metrics: MessagingMetrics,
    private readonly clock: () => number,
  ) {}

  async fetch(deviceId: string, after: number, limit: number): Promise<{ envelopes: EnvelopeView[]; more: boolean }> {
    const rows = await this.queues.listAfter(deviceId, after, limit + 1);
    const envelopes = rows.slice(0, limit).map(toEnvelopeView);
    this.metrics.deliveries.inc({ via: 'poll' }, envelopes.length);
    return { envelopes, more: rows.length > limit };
  }

  /** Deletes the device's envelopes among `ids` (others are ignored); resolves after commit with how many. */
  async ack(deviceId: string, ids: readonly number[]): Promise<number> {
    const unique = [...new Set(ids)];
    const sentAts = await this.writer.run('ack', { deviceId, envelopeIds: unique });
    this.metrics.acked(sentAts, this.clock());
    return sentAts.length;
  }
}
