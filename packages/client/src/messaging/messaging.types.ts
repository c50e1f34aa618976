/** Shapes of the Messaging API as the SDK returns them (see docs/messaging.md). */

export type Role = 'admin' | 'member';

export interface Member {
  readonly accountId: string;
  readonly role: Role;
  readonly joinedAt: number;
}

export interface Conversation {
  readonly conversationId: string;
  readonly kind: 'direct' | 'group';
  /** Opaque to the server; clients usually store it encrypted. */
  readonly metadata: string | null;
  /** Bumped on every change of metadata or membership; pass it to `updateMetadata`. */
  readonly version: number;
  readonly lastSeq: number;
  readonly createdAt: number;
  readonly members: readonly Member[];
}

export interface ConversationPage {
  readonly conversations: readonly Conversation[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** One recipient device's ciphertext: bytes, or a base64url string. */
export interface OutgoingEnvelope {
  readonly deviceId: string;
  readonly ciphertext: Uint8Array | string;
}

export interface SendResult {
  readonly messageId: string;
  readonly conversationId: string;
  /** Per-conversation sequence number (total order). */
  readonly seq: number;
  /** Server time of the store, ms since the epoch. */
  readonly sentAt: number;
  /** True when the server had already stored this clientMessageId (a retry). */
  readonly replayed: boolean;
}

/** The devices a send got wrong (409 `MSG_DEVICE_MISMATCH`). */
export interface DeviceMismatch {
  /** Active recipient devices the send left out: fetch their keys and add them. */
  readonly missing: readonly string[];
  /** Devices that are not recipients (or the sending device itself): drop them. */
  readonly extra: readonly string[];
  /** Devices that were removed: drop them and their sessions. */
  readonly stale: readonly string[];
}

/** An envelope as a device receives it. */
export interface Envelope {
  /** Queue position; acknowledge by this id. */
  readonly id: number;
  readonly messageId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly senderAccountId: string;
  readonly senderDeviceId: string;
  readonly clientMessageId: string;
  readonly sentAt: number;
  /** base64url; `decodeCiphertext` turns it into bytes. */
  readonly ciphertext: string;
}

export interface QueuePage {
  readonly envelopes: readonly Envelope[];
  /** Pass as `after` next time. */
  readonly cursor: number;
  readonly more: boolean;
}

/** Close codes of the stream (docs/messaging.md). */
export const STREAM_CLOSE_CODES = {
  goingAway: 1001,
  internalError: 1011,
  badFrame: 4400,
  tokenExpired: 4401,
  revoked: 4403,
  replaced: 4409,
} as const;
