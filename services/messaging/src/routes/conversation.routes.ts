import { AppError } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import type { ConversationService } from '../domain/conversation.service.js';
import type { ConversationRecord } from '../store/conversation.store.js';
import { ConversationSchema, ErrorSchema, Id, Metadata } from './schemas.js';

const security = [{ bearerAuth: [] }];
const tags = ['conversations'];
const ConversationParams = Type.Object({ conversationId: Id }, { additionalProperties: false });
const MemberParams = Type.Object({ conversationId: Id, accountId: Id }, { additionalProperties: false });
const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

export function toConversationView(record: ConversationRecord) {
  const c = record.conversation;
  return {
    conversationId: c.conversation_id,
    kind: c.kind,
    metadata: c.metadata,
    version: c.version,
    lastSeq: c.last_seq,
    createdAt: c.created_at,
    members: record.members.map((m) => ({ accountId: m.account_id, role: m.role, joinedAt: m.joined_at })),
  };
}

function withEtag(reply: FastifyReply, record: ConversationRecord) {
  void reply.header('etag', `"${record.conversation.version}"`);
  return toConversationView(record);
}

/** `If-Match: "3"` (or `W/"3"`, or `*`) → 3 or '*'; anything else cannot match. */
function parseIfMatch(header: string | undefined): number | '*' | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(value);
  return match?.[1] === undefined ? -1 : Number(match[1]);
}

/** Conversation routes: create, open direct, list mine, read, change metadata, manage members. */
export function registerConversationRoutes(app: SanctumApp, service: ConversationService): void {
  const onRequest = app.authenticate;

  app.post(
    '/v1/conversations',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Create a group conversation (the caller becomes its admin)',
        body: Type.Object(
          { members: Type.Array(Id, { maxItems: 10_000 }), metadata: Type.Optional(Metadata) },
          { additionalProperties: false },
        ),
        response: { 201: ConversationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const record = await service.createGroup(request.auth.accountId, request.body.members, request.body.metadata ?? null);
      return reply.status(201).send(withEtag(reply, record));
    },
  );

  app.put(
    '/v1/direct/:accountId',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Find or create the direct conversation with an account (201 when created, 200 when it existed)',
        params: Type.Object({ accountId: Id }, { additionalProperties: false }),
        response: { 200: ConversationSchema, 201: ConversationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { record, created } = await service.openDirect(request.auth.accountId, request.params.accountId);
      return reply.status(created ? 201 : 200).send(withEtag(reply, record));
    },
  );

  app.get(
    '/v1/conversations',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'My conversations in creation order, a page at a time',
        querystring: Type.Object(
          { after: Type.Optional(Id), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              conversations: Type.Array(ConversationSchema),
              /** Pass as `after` for the next page; null on the last page. */
              next: Type.Union([Type.String(), Type.Null()]),
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
      const records = await service.list(request.auth.accountId, after, limit);
      const last = records.at(-1);
      return {
        conversations: records.map(toConversationView),
        next: records.length === limit && last !== undefined ? last.conversation.conversation_id : null,
      };
    },
  );

  app.get(
    '/v1/conversations/:conversationId',
    {
      onRequest,
      schema: { tags, security, summary: 'One conversation (ETag: its version)', params: ConversationParams, response: { 200: ConversationSchema, ...errors } },
    },
    async (request, reply) => withEtag(reply, await service.get(request.auth.accountId, request.params.conversationId)),
  );

  app.patch(
    '/v1/conversations/:conversationId',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Replace the metadata; requires If-Match with the current version (412 when it changed, 428 without it)',
        params: ConversationParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) }),
        body: Type.Object({ metadata: Metadata }, { additionalProperties: false }),
        response: { 200: ConversationSchema, ...errors, 412: ErrorSchema, 428: ErrorSchema },
      },
    },
    async (request, reply) => {
      const expected = parseIfMatch(request.headers['if-match']);
      if (expected === undefined) {
        throw new AppError('MSG_PRECONDITION_REQUIRED', 'Send If-Match with the version you read (the ETag)', 428);
      }
      const record = await service.updateMetadata(request.auth.accountId, request.params.conversationId, request.body.metadata, expected);
      return withEtag(reply, record);
    },
  );

  app.post(
    '/v1/conversations/:conversationId/members',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Add members to a group (admins only)',
        params: ConversationParams,
        body: Type.Object(
          { accountIds: Type.Array(Id, { minItems: 1, maxItems: 10_000 }), role: Type.Optional(Role) },
          { additionalProperties: false },
        ),
        response: { 200: ConversationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { accountIds, role } = request.body;
      return withEtag(reply, await service.addMembers(request.auth.accountId, request.params.conversationId, accountIds, role ?? 'member'));
    },
  );

  app.patch(
    '/v1/conversations/:conversationId/members/:accountId',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Change a member’s role (admins only)',
        params: MemberParams,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: ConversationSchema, ...errors },
      },
    },
    async (request, reply) =>
      withEtag(reply, await service.setRole(request.auth.accountId, request.params.conversationId, request.params.accountId, request.body.role)),
  );

  app.delete(
    '/v1/conversations/:conversationId/members/:accountId',
    {
      onRequest,
      schema: {
        tags,
        security,
        summary: 'Remove a member (admins), or leave (your own account id)',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await service.removeMember(request.auth.accountId, request.params.conversationId, request.params.accountId);
      return reply.status(204).send(null);
    },
  );
}
