import Type from 'typebox';

/** The error shape of every answer that is not 2xx (docs/error-codes.md). */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String(),
        message: Type.String(),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** Error answers every authenticated route can give, for the OpenAPI document. */
export const authErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  429: ErrorResponse,
} as const;

/** Routes that need an access token, as OpenAPI sees them. */
export const bearer = [{ bearerAuth: [] }];

export const AccountId = Type.String({ minLength: 1, maxLength: 128 });
export const DeviceId = Type.String({ minLength: 1, maxLength: 128 });

export const AccountParams = Type.Object({ accountId: AccountId }, { additionalProperties: false });

/**
 * base64url text of about `bytes` bytes. The cap leaves some slack so that a
 * key of a wrong length gets the precise DIR_INVALID_KEY (naming the field)
 * from the decoder rather than a generic schema error.
 */
export function base64Url(bytes: number, description: string) {
  return Type.String({ maxLength: Math.ceil((bytes * 4) / 3) + 16, description });
}
