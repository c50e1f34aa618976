import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import { tokenHash } from '../domain/encoding.js';
import { bodyField, perIp, perTarget } from './rate-limits.js';
import type { AuthRouteDeps } from './route-deps.js';
import { DeviceName, EpochMs, IdentityKey, LinkCode, Signature, TokenSetResponse, bearer, errorResponses } from './schemas.js';

const closed = { additionalProperties: false } as const;

const RequestLinkBody = Type.Object({ identityKey: IdentityKey, deviceName: Type.Optional(DeviceName) }, closed);
const LinkRequested = Type.Object({ linkId: Type.String(), code: Type.String(), nonce: Type.String(), expiresAt: EpochMs }, closed);
const CodeBody = Type.Object({ code: LinkCode }, closed);
const SignedCodeBody = Type.Object({ code: LinkCode, signature: Signature }, closed);
const LinkView = Type.Object(
  { linkId: Type.String(), identityKey: Type.String(), deviceName: Type.String(), expiresAt: EpochMs, approved: Type.Boolean() },
  closed,
);

/** Device linking: the new device requests, a signed-in device approves, the new device completes. */
export function registerLinkRoutes(app: SanctumApp, deps: AuthRouteDeps): void {
  const { config } = deps;
  const window = config.AUTH_RATE_WINDOW_MS;
  const perAccount = (name: string) =>
    perTarget(app, name, config.RATE_LIMIT_LINK_PER_ACCOUNT, window, (request) => request.auth.accountId);
  // Completion is per link: the code's hash, never the code itself, names the counter.
  const perLink = perTarget(app, 'link-complete-link', config.RATE_LIMIT_LINK_POLL_PER_LINK, window, (request) => tokenHash(bodyField('code')(request)));

  app.post(
    '/v1/links',
    {
      config: perIp(config.RATE_LIMIT_LINK_PER_IP, window),
      schema: {
        tags: ['links'],
        summary: 'New device: ask to be linked; show the returned code to a signed-in device',
        body: RequestLinkBody,
        response: { 201: LinkRequested, ...errorResponses(429) },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.links.request(request.body.identityKey, request.body.deviceName)),
  );

  app.post(
    '/v1/links/inspect',
    {
      onRequest: deps.authenticated,
      config: perIp(config.RATE_LIMIT_LINK_PER_IP, window),
      preHandler: perAccount('link-inspect-account'),
      schema: {
        tags: ['links'],
        summary: 'Signed-in device: see which device a code would link',
        security: bearer,
        body: CodeBody,
        response: { 200: LinkView, ...errorResponses(401, 404, 429) },
      },
    },
    async (request) => deps.links.inspect(request.auth, request.body.code),
  );

  app.post(
    '/v1/links/approve',
    {
      onRequest: deps.authenticated,
      config: perIp(config.RATE_LIMIT_LINK_PER_IP, window),
      preHandler: perAccount('link-approve-account'),
      schema: {
        tags: ['links'],
        summary: 'Signed-in device: approve the link, signing the approval with its identity key',
        security: bearer,
        body: SignedCodeBody,
        response: { 200: LinkView, ...errorResponses(401, 404, 409, 429) },
      },
    },
    async (request) => deps.links.approve(request.auth, request.body.code, request.body.signature),
  );

  app.post(
    '/v1/links/complete',
    {
      config: perIp(config.RATE_LIMIT_LINK_POLL_PER_IP, window),
      preHandler: perLink,
      schema: {
        tags: ['links'],
        summary: 'New device: once approved, prove its key and receive its device id and tokens (409 while pending)',
        body: SignedCodeBody,
        response: { 201: TokenSetResponse, ...errorResponses(401, 404, 409, 429) },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.links.complete(request.body.code, request.body.signature)),
  );
}
