import type { Generated } from 'kysely';

/** Accounts as Auth's event feed describes them (Messaging's own replica). */
export interface AccountRow {
  account_id: string;
  /** Milliseconds since the epoch; null while the account exists. */
  deleted_at: number | null;
}

/** Devices from Auth's event feed, plus the depth of each device's queue. */
export interface DeviceRow {
  device_id: string;
  account_id: string;
  /** Milliseconds since the epoch; null while the device is active. */
  removed_at: number | null;
  /** Envelopes waiting for this device; kept in step with `envelopes` in the same transactions. */
  queue_depth: number;
}

/** How far the Auth event feed has been applied. */
export interface FollowerCursorRow {
  name: string;
  position: number;
}

export interface ConversationRow {
  conversation_id: string;
  kind: 'direct' | 'group';
  /** For direct conversations: the two account ids, sorted, joined by a space; unique. */
  direct_key: string | null;
  /** Opaque (usually encrypted) metadata chosen by the members. */
  metadata: string | null;
  /** Bumped on every change of metadata or membership (the ETag). */
  version: number;
  /** The sequence number of the last message; the next one gets last_seq + 1. */
  last_seq: number;
  created_at: number;
}

export interface MemberRow {
  conversation_id: string;
  account_id: string;
  role: 'admin' | 'member';
  joined_at: number;
}

/** One row per send: the idempotency record and the source of seq. No ciphertext here. */
export interface MessageRow {
  message_id: string;
  conversation_id: string;
  seq: number;
  sender_account_id: string;
  sender_device_id: string;
  client_message_id: string;
  sent_at: number;
}

/** One row per recipient device per message: the durable queue. Deleted when that device acks. */
export interface EnvelopeRow {
  envelope_id: Generated<number>;
  device_id: string;
  message_id: string;
  conversation_id: string;
  seq: number;
  sender_account_id: string;
  sender_device_id: string;
  client_message_id: string;
  sent_at: number;
  /** The ciphertext itself, or no bytes when it lives in a segment file (the three columns below). */
  ciphertext: Uint8Array;
  /** SQLite files: a ciphertext of at least BLOB_MIN_BYTES is in segment file `blob_segment` (see BlobAppender); null when inline. */
  blob_segment: number | null;
  blob_offset: number | null;
  blob_length: number | null;
}

/** The Messaging database, table by table (Kysely types); queries live in the store modules beside this file. */
export interface MessagingTables {
  accounts: AccountRow;
  devices: DeviceRow;
  follower_cursor: FollowerCursorRow;
  conversations: ConversationRow;
  members: MemberRow;
  messages: MessageRow;
  envelopes: EnvelopeRow;
}
