import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { AccessClaims } from './access-claims.js';
import type { TokenVerifier } from './token-verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.authenticate`; reading it on an unauthenticated route throws. */
    auth: AccessClaims;
  }
  interface FastifyInstance {
    /** onRequest hook for routes that need a signed-in device. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Pulls the token out of `Authorization: Bearer …`; null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  return match?.[1] ?? null;
}

/**
 * Adds `app.authenticate`, an onRequest hook that verifies the bearer access
 * token and puts its claims on `request.auth`.
 *
 * @example
 * installAuthentication(app, verifier);
 * app.get('/v1/me', { onRequest: app.authenticate }, async (request) => request.auth);
 */
export function installAuthentication(app: FastifyInstance, verifier: TokenVerifier): void {
  const claimsOf = new WeakMap<FastifyRequest, AccessClaims>();
  app.decorateRequest('auth', {
    getter(this: FastifyRequest): AccessClaims {
      const claims = claimsOf.get(this);
      if (claims === undefined) throw new Error('request.auth read on a route without app.authenticate');
      return claims;
    },
  });
  app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      void reply.header('www-authenticate', 'Bearer');
      throw new AppError('AUTH_TOKEN_MISSING', 'An access token is required (Authorization: Bearer …)', 401);
    }
    try {
      const claims = await verifier.verify(token);
      claimsOf.set(request, claims);
    } catch (error) {
      if (error instanceof AppError && error.statusCode === 401) {
        void reply.header('www-authenticate', `Bearer error="invalid_token"`);
      }
      throw error;
    }
  });
}

/**
 * onRequest hook for service-to-service routes: the caller must present the
 * shared internal token in `x-internal-token` (compared in constant time).
 */
export function requireInternalToken(expected: string) {
  const expectedBytes = Buffer.from(expected);
  return async (request: FastifyRequest): Promise<void> => {
    const presented = request.headers['x-internal-token'];
    const bytes = Buffer.from(typeof presented === 'string' ? presented : '');
    if (bytes.length !== expectedBytes.length || !timingSafeEqual(bytes, expectedBytes)) {
      throw new AppError('AUTH_INTERNAL_FORBIDDEN', 'This route is for Sanctum services only', 403);
    }
  };
}
