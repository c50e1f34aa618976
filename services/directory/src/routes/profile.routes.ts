import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import { encodeBase64Url } from '../domain/binary.codec.js';
import type { ProfileService } from '../domain/profile.service.js';
import type { ProfileRecord } from '../store/profile.store.js';
import { AccountParams, ErrorResponse, authErrors, bearer } from './common.schemas.js';

/** Static ceiling of the blob field; the configured PROFILE_BLOB_MAX_BYTES is checked after decoding. */
const BLOB_TEXT_MAX = 350_000;

const ProfileResponse = Type.Object(
  {
    accountId: Type.String(),
    displayName: Type.String(),
    blob: Type.Union([Type.String({ description: 'base64url of the client-encrypted profile' }), Type.Null()]),
    updatedAt: Type.Integer({ description: 'Milliseconds since the epoch' }),
  },
  { additionalProperties: false },
);
const ProfileBody = Type.Object(
  {
    displayName: Type.String({ minLength: 1, maxLength: 1024 }),
    // Null first: the server's Ajv coerces types, and would turn null into "" if the string branch came first.
    blob: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: BLOB_TEXT_MAX })])),
  },
  { additionalProperties: false },
);

function toWire(profile: ProfileRecord) {
  return {
    accountId: profile.accountId,
    displayName: profile.displayName,
    blob: profile.blob === null ? null : encodeBase64Url(profile.blob),
    updatedAt: profile.updatedAt,
  };
}

/** The calling account's profile, and any account's profile by id. */
export function installProfileRoutes(app: SanctumApp, profiles: ProfileService): void {
  const tags = ['profiles'];
  app.put(
    '/v1/profile',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Set the calling account’s display name and encrypted profile blob',
        security: bearer,
        body: ProfileBody,
        response: { 200: ProfileResponse, 413: ErrorResponse, ...authErrors },
      },
    },
    async (request) => toWire(await profiles.put(request.auth.accountId, request.body)),
  );
  app.get(
    '/v1/accounts/:accountId/profile',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'An account’s profile',
        security: bearer,
        params: AccountParams,
        response: { 200: ProfileResponse, 404: ErrorResponse, ...authErrors },
      },
    },
    async (request) => toWire(await profiles.get(request.params.accountId)),
  );
}
