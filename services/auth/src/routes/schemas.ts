import Type from 'typebox';

/** Shared pieces of the Auth route schemas. Every object is closed (`additionalProperties: false`). */

const closed = { additionalProperties: false } as const;

export const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
export const IdentityKey = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'Ed25519 public key, base64url (32 bytes)' });
export const Signature = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', description: 'Ed25519 signature, base64url (64 bytes)' });
export const Nonce = Type.String({ pattern: '^[A-Za-z0-9_-]{54}$', description: 'Single-use challenge nonce' });
export const LinkCode = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'One-time link code shown by the new device' });
export const DeviceName = Type.String({ minLength: 1, maxLength: 64 });
export const RecoverySecret = Type.String({ minLength: 16, maxLength: 256, description: 'At least 16 characters; generate it, do not let people choose it' });
export const RefreshToken = Type.String({ pattern: '^[0-9a-f-]{36}\\.[A-Za-z0-9_-]{43}$', description: 'Opaque, single-use' });
export const EpochMs = Type.Integer({ description: 'Milliseconds since the epoch' });

export const TokenSetResponse = Type.Object(
  {
    accountId: Type.String(),
    deviceId: Type.String(),
    sessionId: Type.String(),
    tokenType: Type.Literal('Bearer'),
    accessToken: Type.String({ description: 'EdDSA JWT (typ at+jwt)' }),
    accessTokenExpiresAt: EpochMs,
    refreshToken: Type.String(),
    refreshTokenExpiresAt: EpochMs,
  },
  closed,
);

export const ChallengeResponse = Type.Object({ nonce: Type.String(), expiresAt: EpochMs }, closed);

export const NoContent = Type.Null({ description: 'No content' });

const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'Stable code from docs/error-codes.md' }),
        message: Type.String(),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      closed,
    ),
  },
  closed,
);

/** Error answers for the OpenAPI document; 400 (validation) is always possible. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries([400, ...statuses].map((status) => [status, ErrorResponse]));
}

export const bearer = [{ bearerAuth: [] }];
