import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import type { AuthRouteDeps } from './route-deps.js';

const closed = { additionalProperties: false } as const;

const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        { kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String(), kid: Type.String(), alg: Type.Literal('EdDSA'), use: Type.Literal('sig') },
        closed,
      ),
    ),
  },
  closed,
);

/** The public keys access tokens are verified with (pending, active and recently retired). */
export function registerJwksRoutes(app: SanctumApp, deps: AuthRouteDeps): void {
  app.get(
    '/.well-known/jwks.json',
    {
      // Verifiers fetch it rarely (on start and on an unknown kid); never throttle them out.
      config: { rateLimit: false },
      schema: { tags: ['tokens'], summary: 'JSON Web Key Set of the access-token signing keys', response: { 200: Jwks } },
    },
    async (_request, reply) => {
      // Short caching: a rotation publishes the next key ahead of use, well within this.
      void reply.header('cache-control', `public, max-age=${Math.min(60, deps.config.SIGNING_KEY_PUBLISH_DELAY_S)}`);
      return { keys: deps.ring.published() as never };
    },
  );
}
