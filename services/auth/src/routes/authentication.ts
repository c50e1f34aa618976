import { AppError, TokenVerifier, installAuthentication } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from 'jose';
import type { Clock } from '../domain/clock.js';
import type { SessionService } from '../domain/session.service.js';
import type { SigningKeyRing } from '../domain/signing-key.ring.js';

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Auth checks its own access tokens with the kernel's TokenVerifier (the same
 * checks as Directory and Messaging), reading keys straight from its key
 * ring, and then checks the session in its database, so a logout or a
 * removed device takes effect on Auth's routes at once.
 * Returns the onRequest hooks of a protected route.
 */
export function installAuthAuthentication(
  app: SanctumApp,
  deps: { ring: SigningKeyRing; sessions: SessionService; clock: Clock; issuer: string; audience: string },
): Hook[] {
  const verifier = new TokenVerifier({
    keySet: async (header) => {
      const key = await deps.ring.publicKey(header.kid);
      if (key === undefined) throw new errors.JWKSNoMatchingKey();
      return key;
    },
    issuer: deps.issuer,
    audience: deps.audience,
    nowS: () => Math.floor(deps.clock.nowMs() / 1000),
  });
  installAuthentication(app, verifier);
  const sessionIsLive: Hook = async (request) => {
    if (!(await deps.sessions.isLive(request.auth))) {
      throw new AppError('AUTH_TOKEN_REVOKED', 'The session of this token has ended', 401);
    }
  };
  return [app.authenticate, sessionIsLive];
}
