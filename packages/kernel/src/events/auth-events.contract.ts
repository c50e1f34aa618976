import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The contract between Auth (producer) and Directory / Messaging (consumers):
 * Auth writes an event row in the same transaction as the change it describes
 * (a transactional outbox) and serves them in order from an internal feed;
 * consumers follow the feed with long polls and keep their own cursor, so no
 * event is lost while a consumer is down. The bus only shortens the wait.
 */

export const AUTH_EVENT_TYPES = [
  'account.created',
  'account.deleted',
  'device.added',
  'device.removed',
  'session.revoked',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

export const AuthEventSchema = Type.Object(
  {
    /** Position in the feed, strictly increasing, starting at 1. */
    seq: Type.Integer({ minimum: 1 }),
    // Enum, not a union of mapped literals: the mapped array loses the tuple type and Static<> became never.
    type: Type.Enum(AUTH_EVENT_TYPES),
    accountId: Type.String(),
    /** Set for device.* events. */
    deviceId: Type.Optional(Type.String()),
    /** Set for device.added: the device's Ed25519 identity public key, base64url (32 bytes). */
    identityKey: Type.Optional(Type.String()),
    /** Set for session.revoked. */
    sessionId: Type.Optional(Type.String()),
    /** Milliseconds since the epoch. */
    occurredAt: Type.Integer(),
  },
  { additionalProperties: false },
);
export type AuthEvent = Static<typeof AuthEventSchema>;

export const AuthEventFeedQuery = Type.Object(
  {
    after: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }),
    /** Long poll: hold the answer up to this long when there is nothing after `after`. */
    waitMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const AuthEventFeedResponse = Type.Object(
  {
    events: Type.Array(AuthEventSchema),
    /** The seq of the last event returned, or `after` when none. */
    cursor: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type AuthEventFeed = Static<typeof AuthEventFeedResponse>;

/** Revocations recent enough that unexpired tokens may still carry them (loaded at consumer start). */
export const RevocationSnapshotResponse = Type.Object(
  {
    revocations: Type.Array(
      Type.Object(
        {
          kind: Type.Union([Type.Literal('session'), Type.Literal('device'), Type.Literal('account')]),
          id: Type.String(),
          /** Milliseconds since the epoch. */
          revokedAt: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type RevocationSnapshot = Static<typeof RevocationSnapshotResponse>;

/** An account's active devices, as Auth knows them. */
export const DeviceListResponse = Type.Object(
  {
    accountId: Type.String(),
    devices: Type.Array(
      Type.Object(
        {
          deviceId: Type.String(),
          /** Ed25519 identity public key, base64url (32 bytes). */
          identityKey: Type.String(),
          createdAt: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type DeviceList = Static<typeof DeviceListResponse>;

/** Internal routes Auth serves (guarded by `x-internal-token`). */
export const AUTH_INTERNAL_ROUTES = {
  events: '/internal/v1/events',
  revocations: '/internal/v1/revocations',
  devices: '/internal/v1/accounts/:accountId/devices',
} as const;

/** Bus channel Auth publishes on after committing events, to wake long polls early. */
export const AUTH_EVENTS_CHANNEL = 'auth.events';
