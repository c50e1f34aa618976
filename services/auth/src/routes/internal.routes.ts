import {
  AUTH_INTERNAL_ROUTES,
  AuthEventFeedQuery,
  AuthEventFeedResponse,
  DeviceListResponse,
  RevocationSnapshotResponse,
  requireInternalToken,
} from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import type { AuthRouteDeps } from './route-deps.js';
import { EpochMs, errorResponses } from './schemas.js';

const closed = { additionalProperties: false } as const;

const AccountParams = Type.Object({ accountId: Type.String({ minLength: 1, maxLength: 64 }) }, closed);
const RotateBody = Type.Object({ immediate: Type.Optional(Type.Boolean({ description: 'Sign with the new key at once (key compromise)' })) }, closed);
const RotateResponse = Type.Object({ kid: Type.String(), activatesAt: EpochMs }, closed);

/**
 * Service-to-service routes (x-internal-token): the event feed, the revocation
 * snapshot and device lists for Directory and Messaging (the producer side of
 * packages/kernel/src/events/auth-events.contract.ts), and key rotation for operators.
 */
export function registerInternalRoutes(app: SanctumApp, deps: AuthRouteDeps, shutdown: AbortSignal): void {
  const internal = requireInternalToken(deps.config.SANCTUM_INTERNAL_TOKEN);
  // Followers long-poll constantly; the internal token already limits who can call.
  const routeConfig = { rateLimit: false } as const;

  app.get(
    AUTH_INTERNAL_ROUTES.events,
    {
      onRequest: internal,
      config: routeConfig,
      schema: {
        tags: ['internal'],
        summary: 'Auth events after a cursor, in order (long poll with waitMs)',
        querystring: AuthEventFeedQuery,
        response: { 200: AuthEventFeedResponse, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      // Stop waiting when the caller disconnects or the server shuts down.
      const gone = new AbortController();
      const onClose = (): void => {
        gone.abort();
      };
      reply.raw.once('close', onClose);
      try {
        return await deps.feed.read(request.query, AbortSignal.any([gone.signal, shutdown]));
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  app.get(
    AUTH_INTERNAL_ROUTES.revocations,
    {
      onRequest: internal,
      config: routeConfig,
      schema: {
        tags: ['internal'],
        summary: 'Revocations recent enough that unexpired access tokens may carry them',
        response: { 200: RevocationSnapshotResponse, ...errorResponses(403) },
      },
    },
    async () => deps.feed.revocations(),
  );

  app.get(
    AUTH_INTERNAL_ROUTES.devices,
    {
      onRequest: internal,
      config: routeConfig,
      schema: {
        tags: ['internal'],
        summary: 'Active devices of an account (empty for an unknown or deleted account)',
        params: AccountParams,
        response: { 200: DeviceListResponse, ...errorResponses(403) },
      },
    },
    async (request) => {
      const devices = await deps.data.stores.devices.listByAccount(request.params.accountId);
      return {
        accountId: request.params.accountId,
        devices: devices.map((d) => ({ deviceId: d.id, identityKey: d.identityKey, createdAt: d.createdAt })),
      };
    },
  );

  app.post(
    '/internal/v1/signing-keys/rotate',
    {
      onRequest: internal,
      config: routeConfig,
      schema: {
        tags: ['internal'],
        summary: 'Rotate the access-token signing key now',
        body: RotateBody,
        response: { 200: RotateResponse, ...errorResponses(403) },
      },
    },
    async (request) => deps.ring.rotate({ immediate: request.body.immediate === true }),
  );
}
