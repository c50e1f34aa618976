import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import { sessionIdOfRefreshToken } from '../domain/session.service.js';
import { bodyField, perIp, perTarget } from './rate-limits.js';
import type { AuthRouteDeps } from './route-deps.js';
import { ChallengeResponse, EpochMs, NoContent, Nonce, RefreshToken, Signature, TokenSetResponse, Uuid, bearer, errorResponses } from './schemas.js';

const closed = { additionalProperties: false } as const;

const DeviceChallengeBody = Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 64 }) }, closed);
const SignInBody = Type.Object({ deviceId: Type.String({ minLength: 1, maxLength: 64 }), nonce: Nonce, signature: Signature }, closed);
const RefreshBody = Type.Object({ refreshToken: RefreshToken }, closed);
const SessionList = Type.Object(
  {
    sessions: Type.Array(
      Type.Object(
        { sessionId: Type.String(), deviceId: Type.String(), createdAt: EpochMs, lastRefreshedAt: EpochMs, expiresAt: EpochMs, current: Type.Boolean() },
        closed,
      ),
    ),
  },
  closed,
);
const SessionParams = Type.Object({ sessionId: Uuid }, closed);

/** Challenge sign-in, refresh-token rotation, logout, the session list and revoking one session. */
export function registerSessionRoutes(app: SanctumApp, deps: AuthRouteDeps): void {
  const { config } = deps;
  const window = config.AUTH_RATE_WINDOW_MS;

  app.post(
    '/v1/sessions/challenge',
    {
      config: perIp(config.RATE_LIMIT_CHALLENGE_PER_IP, window),
      preHandler: perTarget(app, 'challenge-device', config.RATE_LIMIT_SIGN_IN_PER_DEVICE, window, bodyField('deviceId')),
      schema: {
        tags: ['sessions'],
        summary: 'Nonce for a device to sign (sign-in, account deletion); answered for any device id',
        body: DeviceChallengeBody,
        response: { 200: ChallengeResponse, ...errorResponses(429) },
      },
    },
    async (request) => deps.signIn.challenge(request.body.deviceId),
  );

  app.post(
    '/v1/sessions',
    {
      config: perIp(config.RATE_LIMIT_SIGN_IN_PER_IP, window),
      preHandler: perTarget(app, 'sign-in-device', config.RATE_LIMIT_SIGN_IN_PER_DEVICE, window, bodyField('deviceId')),
      schema: {
        tags: ['sessions'],
        summary: 'Sign in with a signed challenge; returns access and refresh tokens',
        body: SignInBody,
        response: { 201: TokenSetResponse, ...errorResponses(401, 429) },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.signIn.signIn(request.body)),
  );

  app.post(
    '/v1/sessions/refresh',
    {
      config: perIp(config.RATE_LIMIT_REFRESH_PER_IP, window),
      preHandler: perTarget(app, 'refresh-session', config.RATE_LIMIT_REFRESH_PER_SESSION, window, (request) =>
        sessionIdOfRefreshToken(bodyField('refreshToken')(request)),
      ),
      schema: {
        tags: ['sessions'],
        summary: 'Exchange a refresh token for a new pair (the old one is spent; replaying it revokes the session)',
        body: RefreshBody,
        response: { 200: TokenSetResponse, ...errorResponses(401, 429) },
      },
    },
    async (request) => deps.sessions.refresh(request.body.refreshToken),
  );

  app.post(
    '/v1/sessions/logout',
    {
      onRequest: deps.authenticated,
      schema: { tags: ['sessions'], summary: 'End the session of this access token', security: bearer, response: { 204: NoContent, ...errorResponses(401) } },
    },
    async (request, reply) => {
      await deps.sessions.logout(request.auth);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/sessions',
    {
      onRequest: deps.authenticated,
      schema: { tags: ['sessions'], summary: 'Active sessions of the account', security: bearer, response: { 200: SessionList, ...errorResponses(401) } },
    },
    async (request) => {
      const sessions = await deps.sessions.listActive(request.auth.accountId);
      return {
        sessions: sessions.map((s) => ({
          sessionId: s.id,
          deviceId: s.deviceId,
          createdAt: s.createdAt,
          lastRefreshedAt: s.lastRefreshedAt,
          expiresAt: s.expiresAt,
          current: s.id === request.auth.sessionId,
        })),
      };
    },
  );

  app.delete(
    '/v1/sessions/:sessionId',
    {
      onRequest: deps.authenticated,
      schema: {
        tags: ['sessions'],
        summary: 'Revoke one session of the account',
        security: bearer,
        params: SessionParams,
        response: { 204: NoContent, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await deps.sessions.revoke(request.auth.accountId, request.params.sessionId);
      return reply.status(204).send(null);
    },
  );
}
