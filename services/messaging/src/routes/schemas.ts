import Type from 'typebox';

/** Schemas shared by the HTTP routes and the WebSocket protocol. */

export const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

export const EnvelopeSchema = Type.Object(
  {
    /** Queue position; acknowledge by this id. Increases in the order envelopes were stored for this device. */
    id: Type.Integer({ minimum: 1 }),
    messageId: Type.String(),
    conversationId: Type.String(),
    /** Per-conversation sequence number: the total order of messages in the conversation. */
    seq: Type.Integer({ minimum: 1 }),
    senderAccountId: Type.String(),
    senderDeviceId: Type.String(),
    /** The sender's idempotency key, handy for deduplicating redeliveries. */
    clientMessageId: Type.String(),
    /** Server time of the store, milliseconds since the epoch. */
    sentAt: Type.Integer(),
    /** base64url, the bytes the sender encrypted for this device. */
    ciphertext: Type.String(),
  },
  { additionalProperties: false },
);

export const MemberSchema = Type.Object(
  {
    accountId: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('member')]),
    joinedAt: Type.Integer(),
  },
  { additionalProperties: false },
);

export const ConversationSchema = Type.Object(
  {
    conversationId: Type.String(),
    kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
    metadata: Type.Union([Type.Null(), Type.String()]),
    /** Bumped on every change of metadata or membership; the ETag is this number in quotes. */
    version: Type.Integer(),
    /** Sequence number of the last message sent (0 when none). */
    lastSeq: Type.Integer(),
    createdAt: Type.Integer(),
    members: Type.Array(MemberSchema),
  },
  { additionalProperties: false },
);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object(
      { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** Opaque metadata (clients usually encrypt it), up to 16 KiB. */
// Null first: with query-string coercion on, Ajv would otherwise turn null into "".
export const Metadata = Type.Union([Type.Null(), Type.String({ maxLength: 16_384 })]);

/**
 * base64url without padding. Checked while decoding (MSG_INVALID_CIPHERTEXT)
 * rather than by a schema pattern: a regular expression over 87 KB of text
 * costs more than parsing and decoding the whole body.
 */
export const Base64Url = Type.String({ contentEncoding: 'base64url', description: 'base64url without padding' });
