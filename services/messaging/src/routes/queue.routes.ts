import type { SanctumApp } from '@sanctum/kernel';
import Type from 'typebox';
import type { QueueService } from '../domain/queue.service.js';
import { EnvelopeSchema, ErrorSchema } from './schemas.js';

const security = [{ bearerAuth: [] }];
const tags = ['queue'];

/** Polling for clients without a socket: read my device's queue after a cursor, acknowledge by id. */
export function registerQueueRoutes(app: SanctumApp, queue: QueueService): void {
  app.get(
    '/v1/queue',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Envelopes waiting for my device, oldest first, after the envelope id `after`',
        querystring: Type.Object(
          { after: Type.Integer({ minimum: 0, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              envelopes: Type.Array(EnvelopeSchema),
              /** The id to pass as `after` next time (the last id returned, or `after` when none). */
              cursor: Type.Integer({ minimum: 0 }),
              /** More envelopes wait after this page. */
              more: Type.Boolean(),
            },
            { additionalProperties: false },
          ),
          400: ErrorSchema,
          401: ErrorSchema,
        },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const page = await queue.fetch(request.auth.deviceId, after, limit);
      return { envelopes: page.envelopes, cursor: page.envelopes.at(-1)?.id ?? after, more: page.more };
    },
  );

  app.post(
    '/v1/queue/ack',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        summary: 'Acknowledge envelopes of my device by id: they are deleted (ids not in my queue are ignored)',
        body: Type.Object(
          { ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1000 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ acked: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
          400: ErrorSchema,
          401: ErrorSchema,
        },
      },
    },
    async (request) => ({ acked: await queue.ack(request.auth.deviceId, request.body.ids) }),
  );
}
