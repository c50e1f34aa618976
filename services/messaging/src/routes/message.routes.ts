import { AppError } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ConversationService } from '../domain/conversation.service.js';
import type { DecodedSend, SendBody, SendResult, SendService } from '../domain/send.service.js';
import type { MessagingMetrics } from '../metrics/messaging.metrics.js';
import { Base64Url, ErrorSchema, Id } from './schemas.js';
import { installPlainJsonParser } from './send-body.parser.js';
import { installSendAdmission, whileAdmitted } from './send-admission.js';
import type { SendAdmission } from './send-admission.js';

const security = [{ bearerAuth: [] }];
const tags = ['messages'];

const SendBody = Type.Object(
  {
    /** Chosen by the sending device; a retry with the same id returns the first result and stores nothing new. */
    clientMessageId: Type.String({ minLength: 1, maxLength: 128 }),
    /** One ciphertext per recipient device: every active device of every member, your own other devices included, never the sending device. */
    envelopes: Type.Array(
      Type.Object({ deviceId: Id, ciphertext: Base64Url }, { additionalProperties: false }),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

const SendResponse = Type.Object(
  {
    messageId: Type.String(),
    conversationId: Type.String(),
    seq: Type.Integer(),
    sentAt: Type.Integer(),
    /** True when this answer repeats the first result of an earlier send with the same clientMessageId. */
    replayed: Type.Boolean(),
  },
  { additionalProperties: false },
);

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
  429: ErrorSchema,
  503: ErrorSchema,
};

export interface SendRouteLimits {
  readonly max: number;
  readonly windowMs: number;
}

/** Send routes: to a conversation, or directly to an account (its direct conversation is found or created). */
export function registerMessageRoutes(
  app: SanctumApp,
  sends: SendService,
  conversations: ConversationService,
  metrics: MessagingMetrics,
  limits: SendRouteLimits,
  admission: SendAdmission,
): void {
  // Per device, not per IP: checked after authentication so the key is the token's device.
  const rateLimit = {
    hook: 'preHandler' as const,
    max: limits.max,
    timeWindow: limits.windowMs,
    keyGenerator: (request: FastifyRequest) => `send:${request.auth.deviceId}`,
    errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) =>
      new AppError('MSG_SEND_RATE_LIMITED', `This device is sending too fast; retry in ${Math.ceil(context.ttl / 1000)} s`, 429),
  };
  const answer = (result: SendResult) => {
    metrics.sends.inc({ result: result.replayed ? 'replayed' : 'stored' });
    return result;
  };

  // Their own scope, so that only these fixed-shape bodies skip the prototype-poisoning scan, and only sends are admission-controlled.
  void app.register(async (scope: SanctumApp) => {
    installPlainJsonParser(scope);
    installSendAdmission(scope, admission);
    registerSendRoutes(scope, sends, conversations, rateLimit, answer);
  });
}

function registerSendRoutes(
  app: SanctumApp,
  sends: SendService,
  conversations: ConversationService,
  rateLimit: object,
  answer: (result: SendResult) => SendResult,
): void {
  app.post(
    '/v1/conversations/:conversationId/messages',
    {
      onRequest: app.authenticate,
      config: { rateLimit },
      schema: {
        tags,
        security,
        summary: 'Send a message: one ciphertext per recipient device; 201 once every envelope is committed',
        params: Type.Object({ conversationId: Id }, { additionalProperties: false }),
        body: SendBody,
        response: { 201: SendResponse, ...errors },
      },
    },
    async (request, reply) => {
      const result = await whileAdmitted(request, async () => {
        const decoded = decodeAndRelease(sends, request);
        return sends.send({ conversationId: request.params.conversationId, sender: request.auth, ...decoded });
      });
      return reply.status(201).send(answer(result));
    },
  );

  app.post(
    '/v1/direct/:accountId/messages',
    {
      onRequest: app.authenticate,
      config: { rateLimit },
      schema: {
        tags,
        security,
        summary: 'Send to an account: finds or creates the direct conversation, then sends as above',
        params: Type.Object({ accountId: Id }, { additionalProperties: false }),
        body: SendBody,
        response: { 201: SendResponse, ...errors },
      },
    },
    async (request, reply) => {
      const result = await whileAdmitted(request, async () => {
        const decoded = decodeAndRelease(sends, request);
        const conversationId = await conversations.directConversationId(request.auth.accountId, request.params.accountId);
        return sends.send({ conversationId, sender: request.auth, ...decoded });
      });
      return reply.status(201).send(answer(result));
    },
  );
}

/**
 * Decodes the ciphertexts, then drops the request's reference to the parsed
 * body: its base64url text would otherwise live until the commit answers, get
 * copied by every scavenge meanwhile and end up in the old generation (the
 * garbage collector took a quarter of the CPU time of 64 KiB sends).
 */
function decodeAndRelease(sends: SendService, request: { body: SendBody }): DecodedSend {
  const decoded = sends.decode(request.body);
  (request as { body: unknown }).body = undefined;
  return decoded;
}
