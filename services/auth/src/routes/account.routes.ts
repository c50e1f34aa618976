import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import { perIp, perTarget, bodyField } from './rate-limits.js';
import type { AuthRouteDeps } from './route-deps.js';
import {
  ChallengeResponse,
  DeviceName,
  EpochMs,
  IdentityKey,
  NoContent,
  Nonce,
  RecoverySecret,
  Signature,
  TokenSetResponse,
  bearer,
  errorResponses,
} from './schemas.js';

const closed = { additionalProperties: false } as const;

const KeyChallengeBody = Type.Object({ identityKey: IdentityKey }, closed);
const CreateAccountBody = Type.Object(
  {
    identityKey: IdentityKey,
    deviceName: Type.Optional(DeviceName),
    nonce: Nonce,
    signature: Signature,
    recoverySecret: Type.Optional(RecoverySecret),
  },
  closed,
);
const AccountResponse = Type.Object({ accountId: Type.String(), createdAt: EpochMs, recoveryEnabled: Type.Boolean() }, closed);
const RecoveryBody = Type.Object({ recoverySecret: Type.Union([RecoverySecret, Type.Null()]) }, closed);
const DeleteAccountBody = Type.Object({ nonce: Nonce, signature: Signature }, closed);

/** Account creation (with proof of possession of the first device's key), account info, recovery secret, deletion. */
export function registerAccountRoutes(app: SanctumApp, deps: AuthRouteDeps): void {
  const { config } = deps;
  const window = config.AUTH_RATE_WINDOW_MS;

  app.post(
    '/v1/accounts/challenge',
    {
      config: perIp(config.RATE_LIMIT_CHALLENGE_PER_IP, window),
      preHandler: perTarget(app, 'challenge-key', config.RATE_LIMIT_SIGN_IN_PER_DEVICE, window, bodyField('identityKey')),
      schema: {
        tags: ['accounts'],
        summary: 'Nonce for a new identity key to sign (account creation, recovery)',
        body: KeyChallengeBody,
        response: { 200: ChallengeResponse, ...errorResponses(429) },
      },
    },
    async (request) => deps.accounts.keyChallenge(request.body.identityKey),
  );

  app.post(
    '/v1/accounts',
    {
      config: perIp(config.RATE_LIMIT_CREATE_PER_IP, window),
      schema: {
        tags: ['accounts'],
        summary: 'Create an account with its first device, signed in',
        body: CreateAccountBody,
        response: { 201: TokenSetResponse, ...errorResponses(401, 409, 429) },
      },
    },
    async (request, reply) => {
      const tokens = await deps.accounts.create(request.body);
      return reply.status(201).send(tokens);
    },
  );

  app.get(
    '/v1/account',
    {
      onRequest: deps.authenticated,
      schema: { tags: ['accounts'], summary: 'The signed-in account', security: bearer, response: { 200: AccountResponse, ...errorResponses(401) } },
    },
    async (request) => deps.accounts.describe(request.auth.accountId),
  );

  app.put(
    '/v1/account/recovery',
    {
      onRequest: deps.authenticated,
      config: perIp(config.RATE_LIMIT_CREATE_PER_IP, window),
      schema: {
        tags: ['accounts'],
        summary: 'Register, replace (or with null remove) the recovery secret',
        security: bearer,
        body: RecoveryBody,
        response: { 204: NoContent, ...errorResponses(401, 429) },
      },
    },
    async (request, reply) => {
      await deps.accounts.setRecoverySecret(request.auth.accountId, request.body.recoverySecret);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/v1/account',
    {
      onRequest: deps.authenticated,
      schema: {
        tags: ['accounts'],
        summary: 'Delete the account and everything of it in Auth (needs a fresh device signature)',
        security: bearer,
        body: DeleteAccountBody,
        response: { 204: NoContent, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      await deps.accounts.delete(request.auth, request.body);
      return reply.status(204).send(null);
    },
  );
}
