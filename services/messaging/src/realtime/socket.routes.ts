import websocket from '@fastify/websocket';
import { AppError, bearerToken } from '@sanctum/kernel';
import type { AccessClaims, SanctumApp, TokenVerifier } from '@sanctum/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorSchema } from '../routes/schemas.js';
import type { SocketGateway } from './socket.gateway.js';
import { BEARER_SUBPROTOCOL_PREFIX, CLOSE_CODES, STREAM_SUBPROTOCOL } from './socket.protocol.js';

/** Client frames are acks and pings: small. */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** The access token of an upgrade request: `Authorization: Bearer …`, else the `sanctum.bearer.<token>` subprotocol. */
export function streamToken(request: FastifyRequest): string | null {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader !== null) return fromHeader;
  const offered = request.headers['sec-websocket-protocol'];
  if (offered === undefined) return null;
  for (const protocol of offered.split(',')) {
    const trimmed = protocol.trim();
    if (trimmed.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return trimmed.slice(BEARER_SUBPROTOCOL_PREFIX.length) || null;
  }
  return null;
}

/**
 * `GET /v1/stream`: the device's WebSocket. The token is checked before the
 * upgrade, so a bad one gets a plain 401 with the usual error body.
 */
export async function registerSocketRoutes(app: SanctumApp, verifier: TokenVerifier, gateway: SocketGateway): Promise<void> {
  await app.register(websocket, {
    options: {
      maxPayload: MAX_CLIENT_FRAME_BYTES,
      // Browsers fail the handshake unless the server picks one of the offered protocols.
      handleProtocols: (protocols) => (protocols.has(STREAM_SUBPROTOCOL) ? STREAM_SUBPROTOCOL : false),
    },
    preClose: async () => {
      await gateway.close();
    },
  });
  const claimsOf = new WeakMap<FastifyRequest, AccessClaims>();
  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = streamToken(request);
    if (token === null) {
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('AUTH_TOKEN_MISSING', 'An access token is required (Authorization: Bearer … or the sanctum.bearer.<token> subprotocol)', 401);
    }
    claimsOf.set(request, await verifier.verify(token));
  };

  app.route({
    method: 'GET',
    url: '/v1/stream',
    onRequest: authenticate,
    schema: {
      tags: ['stream'],
      security: [{ bearerAuth: [] }],
      summary: 'WebSocket of one device: queued envelopes, a queue_empty marker, then new envelopes as they are stored',
      description:
        'Upgrade with `Authorization: Bearer <token>`, or (browsers) offer the subprotocols `sanctum.v1` and `sanctum.bearer.<token>`. ' +
        `Frames and close codes (${Object.values(CLOSE_CODES).join(', ')}) are described in docs/messaging.md.`,
      response: { 401: ErrorSchema, 426: ErrorSchema, 503: ErrorSchema },
    },
    // A plain GET (no upgrade) reaches `handler`, an upgrade reaches `wsHandler`. Declared this
    // way rather than with `websocket: true`, which would hide the route from the OpenAPI document.
    wsHandler: async (socket, request) => {
      const claims = claimsOf.get(request);
      if (claims === undefined) {
        socket.close(CLOSE_CODES.internalError, 'not authenticated');
        return;
      }
      await gateway.attach(socket, claims);
    },
    handler: async () => {
      throw new AppError('MSG_UPGRADE_REQUIRED', 'This is a WebSocket endpoint: send an upgrade request', 426);
    },
  });
}
