// Brings the types of the per-route `config.rateLimit` options (the plugin itself is registered by the kernel).
import type {} from '@fastify/rate-limit';
import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import type { HandleService } from '../domain/handle.service.js';
import { ErrorResponse, authErrors, bearer } from './common.schemas.js';

const HandleResponse = Type.Object(
  { handle: Type.String({ description: 'The normalised handle' }), accountId: Type.String() },
  { additionalProperties: false },
);
const HandleBody = Type.Object(
  { handle: Type.String({ minLength: 1, maxLength: 128, description: 'Normalised by the server: NFKC, then lower case' }) },
  { additionalProperties: false },
);
const HandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

export interface LookupRateLimit {
  max: number;
  windowMs: number;
}

/** Claim, change, release and exact lookup of handles. */
export function installHandleRoutes(app: SanctumApp, handles: HandleService, lookupLimit: LookupRateLimit): void {
  const tags = ['handles'];
  app.get(
    '/v1/handle',
    {
      onRequest: app.authenticate,
      schema: { tags, summary: 'The calling account’s handle', security: bearer, response: { 200: HandleResponse, 404: ErrorResponse, ...authErrors } },
    },
    async (request) => handles.mine(request.auth.accountId),
  );
  app.put(
    '/v1/handle',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Claim a handle, or change to another (the old one is released)',
        security: bearer,
        body: HandleBody,
        response: { 200: HandleResponse, 409: ErrorResponse, ...authErrors },
      },
    },
    async (request) => handles.claim(request.auth.accountId, request.body.handle),
  );
  app.delete(
    '/v1/handle',
    {
      onRequest: app.authenticate,
      schema: { tags, summary: 'Release the calling account’s handle', security: bearer, response: { 204: Type.Null(), ...authErrors } },
    },
    async (request, reply) => {
      await handles.release(request.auth.accountId);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/v1/handles/:handle',
    {
      onRequest: app.authenticate,
      config: {
        // Per requesting account, not per IP: enumeration is what this guards against.
        rateLimit: { max: lookupLimit.max, timeWindow: lookupLimit.windowMs, keyGenerator: (request) => `lookup:${request.auth.accountId}` },
      },
      schema: {
        tags,
        summary: 'Exact lookup of a handle (rate limited per account)',
        security: bearer,
        params: HandleParams,
        response: { 200: HandleResponse, 404: ErrorResponse, ...authErrors },
      },
    },
    async (request) => handles.lookup(request.params.handle),
  );
}
