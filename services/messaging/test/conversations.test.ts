/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- response bodies are untyped JSON */
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount } from './support/fake-auth.js';
import { call, startMessaging } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

describe.each(testEngines())('conversations on $name', (engine) => {
  let auth: FakeAuth;
  let service: RunningMessaging;
  let owner: TestAccount;
  let others: TestAccount[];
  let token: string;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    service = await startMessaging(engine, auth, { env: { GROUP_MAX_MEMBERS: '4' } });
    owner = auth.createAccount(1);
    others = [1, 2, 3, 4].map(() => auth.createAccount(1));
    await service.caughtUp();
    token = await owner.devices[0]!.token();
  });
  afterAll(async () => {
    await service.close();
    await auth.close();
  });

  const tokenOf = (account: TestAccount) => account.devices[0]!.token();

  it('creates a group with the creator as admin and lists it', async () => {
    const created = await call(service.url, 'POST', '/v1/conversations', token, { members: [others[0]!.accountId], metadata: 'enc-title' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ kind: 'group', metadata: 'enc-title', version: 1, lastSeq: 0 });
    const roles = Object.fromEntries(created.body.members.map((m: { accountId: string; role: string }) => [m.accountId, m.role]));
    expect(roles).toEqual({ [owner.accountId]: 'admin', [others[0]!.accountId]: 'member' });
  });

  it('refuses unknown accounts and groups over the size limit', async () => {
    const unknown = await call(service.url, 'POST', '/v1/conversations', token, { members: ['nobody'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'MSG_ACCOUNT_NOT_FOUND', details: { accountIds: ['nobody'] } });
    const tooMany = await call(service.url, 'POST', '/v1/conversations', token, { members: others.map((a) => a.accountId) });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.code).toBe('MSG_GROUP_FULL');
  });

  it('pages through my conversations with a cursor', async () => {
    for (let i = 0; i < 3; i++) await call(service.url, 'POST', '/v1/conversations', token, { members: [] });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const query: string = after === null ? '?limit=2' : `?limit=2&after=${after}`;
      const page = await call(service.url, 'GET', `/v1/conversations${query}`, token);
      expect(page.status).toBe(200);
      seen.push(...page.body.conversations.map((c: { conversationId: string }) => c.conversationId));
      after = page.body.next;
    } while (after !== null);
    expect(seen).toHaveLength(4);
    expect([...seen].sort()).toEqual(seen);
    const strangers = await call(service.url, 'GET', '/v1/conversations', await tokenOf(others[3]!));
    expect(strangers.body).toEqual({ conversations: [], next: null });
  });

  it('versions metadata with If-Match: 428 without, 412 on a stale version', async () => {
    const created = await call(service.url, 'POST', '/v1/conversations', token, { members: [others[0]!.accountId] });
    const path = `/v1/conversations/${created.body.conversationId}`;
    const without = await call(service.url, 'PATCH', path, token, { metadata: 'x' });
    expect(without.status).toBe(428);
    expect(without.body.error.code).toBe('MSG_PRECONDITION_REQUIRED');
    const ok = await call(service.url, 'PATCH', path, token, { metadata: 'v2' }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    const stale = await call(service.url, 'PATCH', path, token, { metadata: 'v3' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: 'MSG_VERSION_MISMATCH', details: { currentVersion: 2 } });
    const garbage = await call(service.url, 'PATCH', path, token, { metadata: 'v3' }, { 'if-match': 'nonsense' });
    expect(garbage.status).toBe(412);
    const star = await call(service.url, 'PATCH', path, token, { metadata: null }, { 'if-match': '*' });
    expect(star.body).toMatchObject({ metadata: null, version: 3 });
    const notAdmin = await call(service.url, 'PATCH', path, await tokenOf(others[0]!), { metadata: 'mine' }, { 'if-match': '"3"' });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.error.code).toBe('MSG_NOT_ADMIN');
    const read = await call(service.url, 'GET', path, await tokenOf(others[0]!));
    expect(read.headers.get('etag')).toBe('"3"');
  });

  it('adds, promotes, removes members; leaving hands admin over', async () => {
    const created = await call(service.url, 'POST', '/v1/conversations', token, { members: [others[0]!.accountId] });
    const id = created.body.conversationId;
    const members = `/v1/conversations/${id}/members`;
    const byMember = await call(service.url, 'POST', members, await tokenOf(others[0]!), { accountIds: [others[1]!.accountId] });
    expect(byMember.status).toBe(403);
    const added = await call(service.url, 'POST', members, token, { accountIds: [others[1]!.accountId, others[2]!.accountId] });
    expect(added.status).toBe(200);
    expect(added.body.members).toHaveLength(4);
    expect(added.body.version).toBe(2);
    const full = await call(service.url, 'POST', members, token, { accountIds: [others[3]!.accountId] });
    expect(full.status).toBe(409);
    const again = await call(service.url, 'POST', members, token, { accountIds: [others[1]!.accountId] });
    expect(again.body.version).toBe(2);

    const lastAdmin = await call(service.url, 'PATCH', `${members}/${owner.accountId}`, token, { role: 'member' });
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.body.error.code).toBe('MSG_LAST_ADMIN');
    const promoted = await call(service.url, 'PATCH', `${members}/${others[1]!.accountId}`, token, { role: 'admin' });
    expect(promoted.body.members.find((m: { accountId: string }) => m.accountId === others[1]!.accountId).role).toBe('admin');
    const noSuch = await call(service.url, 'PATCH', `${members}/${others[3]!.accountId}`, token, { role: 'admin' });
    expect(noSuch.status).toBe(404);
    expect(noSuch.body.error.code).toBe('MSG_MEMBER_NOT_FOUND');

    const kicked = await call(service.url, 'DELETE', `${members}/${others[2]!.accountId}`, await tokenOf(others[1]!));
    expect(kicked.status).toBe(204);
    const notAdminKick = await call(service.url, 'DELETE', `${members}/${owner.accountId}`, await tokenOf(others[0]!));
    expect(notAdminKick.status).toBe(403);
    const missing = await call(service.url, 'DELETE', `${members}/${others[2]!.accountId}`, token);
    expect(missing.status).toBe(404);

    // Both admins leave: the longest-standing remaining member becomes admin.
    expect((await call(service.url, 'DELETE', `${members}/${owner.accountId}`, token)).status).toBe(204);
    expect((await call(service.url, 'DELETE', `${members}/${others[1]!.accountId}`, await tokenOf(others[1]!))).status).toBe(204);
    const left = await call(service.url, 'GET', `/v1/conversations/${id}`, await tokenOf(others[0]!));
    expect(left.body.members).toEqual([expect.objectContaining({ accountId: others[0]!.accountId, role: 'admin' })]);
    const gone = await call(service.url, 'GET', `/v1/conversations/${id}`, token);
    expect(gone.status).toBe(403);
  });

  it('keeps direct conversations to exactly two accounts', async () => {
    const self = await call(service.url, 'PUT', `/v1/direct/${owner.accountId}`, token);
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe('MSG_INVALID_MEMBERS');
    const unknown = await call(service.url, 'PUT', '/v1/direct/nobody', token);
    expect(unknown.status).toBe(404);
    const direct = await call(service.url, 'PUT', `/v1/direct/${others[3]!.accountId}`, token);
    expect(direct.status).toBe(201);
    const add = await call(service.url, 'POST', `/v1/conversations/${direct.body.conversationId}/members`, token, { accountIds: [others[0]!.accountId] });
    expect(add.status).toBe(409);
    expect(add.body.error.code).toBe('MSG_NOT_A_GROUP');
    const meta = await call(service.url, 'PATCH', `/v1/conversations/${direct.body.conversationId}`, await tokenOf(others[3]!), { metadata: 'ours' }, { 'if-match': '"1"' });
    expect(meta.status).toBe(200);
    const concurrent = await Promise.all([1, 2, 3].map(async () => call(service.url, 'PUT', `/v1/direct/${owner.accountId}`, await tokenOf(others[2]!))));
    expect(new Set(concurrent.map((r) => r.body.conversationId)).size).toBe(1);
  });

  it('answers unknown conversations with 404 and bad input with 400', async () => {
    const missing = await call(service.url, 'GET', '/v1/conversations/does-not-exist', token);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('MSG_CONVERSATION_NOT_FOUND');
    const send = await call(service.url, 'POST', '/v1/conversations/does-not-exist/messages', token, { clientMessageId: 'x', envelopes: [] });
    expect(send.status).toBe(404);
    const unknownField = await call(service.url, 'POST', '/v1/conversations', token, { members: [], colour: 'red' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error.code).toBe('REQ_VALIDATION_FAILED');
    const noToken = await call(service.url, 'GET', '/v1/conversations', undefined);
    expect(noToken.status).toBe(401);
  });

  it('documents every route in OpenAPI', async () => {
    const doc = await call(service.url, 'GET', '/openapi.json', undefined);
    const paths = Object.keys(doc.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/conversations',
        '/v1/conversations/{conversationId}',
        '/v1/conversations/{conversationId}/members',
        '/v1/conversations/{conversationId}/members/{accountId}',
        '/v1/conversations/{conversationId}/messages',
        '/v1/direct/{accountId}',
        '/v1/direct/{accountId}/messages',
        '/v1/queue',
        '/v1/queue/ack',
        '/v1/stream',
      ]),
    );
  });
});
