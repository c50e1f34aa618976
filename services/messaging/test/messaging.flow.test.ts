/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- response bodies are untyped JSON */
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount } from './support/fake-auth.js';
import { TestStream, call, fakeCiphertext, startMessaging, until } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

describe.each(testEngines())('messaging end to end on $name', (engine) => {
  let auth: FakeAuth;
  let service: RunningMessaging;
  let alice: TestAccount;
  let bob: TestAccount;
  let conversationId: string;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    service = await startMessaging(engine, auth);
    alice = auth.createAccount(2);
    bob = auth.createAccount(2);
    await service.caughtUp();
  });
  afterAll(async () => {
    await service.close();
    await auth.close();
  });

  const [a1, a2] = [() => alice.devices[0]!, () => alice.devices[1]!];
  const [b1, b2] = [() => bob.devices[0]!, () => bob.devices[1]!];
  const everyoneBut = (deviceId: string) =>
    [...alice.devices, ...bob.devices].filter((d) => d.deviceId !== deviceId).map((d) => d.deviceId);

  it('creates a group conversation with both accounts', async () => {
    const created = await call(service.url, 'POST', '/v1/conversations', await a1().token(), { members: [bob.accountId] });
    expect(created.status).toBe(201);
    expect(created.body.members).toHaveLength(2);
    conversationId = created.body.conversationId;
  });

  it('delivers over the socket in order, and an ack removes it', async () => {
    const stream = await TestStream.open(service.wsUrl, b1());
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    const token = await a1().token();
    const results = [];
    for (let i = 0; i < 5; i++) {
      const sent = await call(service.url, 'POST', `/v1/conversations/${conversationId}/messages`, token, {
        clientMessageId: `order-${i}`,
        envelopes: everyoneBut(a1().deviceId).map((deviceId) => ({ deviceId, ciphertext: fakeCiphertext(100, i) })),
      });
      expect(sent.status).toBe(201);
      results.push(sent.body);
    }
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const envelopes = await stream.waitForEnvelopes(5);
    expect(envelopes.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(envelopes.map((e) => e.clientMessageId)).toEqual(['order-0', 'order-1', 'order-2', 'order-3', 'order-4']);
    expect(Buffer.from(envelopes[2]!.ciphertext, 'base64url')).toEqual(Buffer.alloc(100, 2));
    expect(envelopes[0]!.senderDeviceId).toBe(a1().deviceId);

    stream.ack(envelopes.map((e) => e.id));
    await until(async () => (await service.app.messaging.queues.depthOf(b1().deviceId)) === 0, 'b1 queue empty');
    const polled = await call(service.url, 'GET', '/v1/queue', await b1().token());
    expect(polled.body.envelopes).toEqual([]);
    await stream.close();

    // A fresh connection gets nothing again: acknowledged means gone.
    const again = await TestStream.open(service.wsUrl, b1());
    await again.waitFor(() => again.hasQueueEmpty(), 'queue_empty');
    expect(again.envelopes()).toEqual([]);
    await again.close();
  });

  it('keeps envelopes for an offline device and delivers them, unacked ones again, after reconnecting', async () => {
    // b2 was offline for the five sends above.
    const first = await TestStream.open(service.wsUrl, b2());
    const got = await first.waitForEnvelopes(5);
    await first.waitFor(() => first.hasQueueEmpty(), 'queue_empty');
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    // The queue_empty marker comes after the queued envelopes.
    const markerAt = first.frames.findIndex((f) => f.type === 'queue_empty');
    expect(first.frames.slice(0, markerAt).filter((f) => f.type === 'envelope')).toHaveLength(5);
    first.ack([got[0]!.id, got[1]!.id]);
    await until(async () => (await service.app.messaging.queues.depthOf(b2().deviceId)) === 3, 'two acked');
    await first.close();

    const second = await TestStream.open(service.wsUrl, b2());
    const redelivered = await second.waitForEnvelopes(3);
    expect(redelivered.map((e) => e.seq)).toEqual([3, 4, 5]);
    second.ack(redelivered.map((e) => e.id));
    await until(async () => (await service.app.messaging.queues.depthOf(b2().deviceId)) === 0, 'b2 drained');
    await second.close();
  });

  it('a retried send with the same client message id stores nothing new', async () => {
    const token = await a1().token();
    const body = {
      clientMessageId: 'retry-me',
      envelopes: everyoneBut(a1().deviceId).map((deviceId) => ({ deviceId, ciphertext: fakeCiphertext(10) })),
    };
    const path = `/v1/conversations/${conversationId}/messages`;
    const first = await call(service.url, 'POST', path, token, body);
    const retries = await Promise.all([1, 2, 3].map(() => call(service.url, 'POST', path, token, body)));
    expect(first.status).toBe(201);
    expect(first.body.replayed).toBe(false);
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual({ ...first.body, replayed: true });
    }
    expect(await service.app.messaging.messages.countIn(conversationId)).toBe(6);
    const depth = await service.app.messaging.queues.depthOf(b1().deviceId);
    expect(depth).toBe(1);
  });

  it('answers 409 naming the missing, extra and stale devices', async () => {
    const token = await a1().token();
    const path = `/v1/conversations/${conversationId}/messages`;
    const missing = await call(service.url, 'POST', path, token, {
      clientMessageId: 'missing-one',
      envelopes: [b1().deviceId, a2().deviceId].map((deviceId) => ({ deviceId, ciphertext: 'AAAA' })),
    });
    expect(missing.status).toBe(409);
    expect(missing.body.error.code).toBe('MSG_DEVICE_MISMATCH');
    expect(missing.body.error.details).toEqual({ missing: [b2().deviceId], extra: [], stale: [] });

    const withSelf = await call(service.url, 'POST', path, token, {
      clientMessageId: 'with-self',
      envelopes: [...everyoneBut(a1().deviceId), a1().deviceId, 'no-such-device'].map((deviceId) => ({ deviceId, ciphertext: 'AAAA' })),
    });
    expect(withSelf.status).toBe(409);
    expect(withSelf.body.error.details.extra).toEqual([a1().deviceId, 'no-such-device']);

    const gone = auth.addDevice(bob);
    bob.devices.pop();
    await service.caughtUp();
    auth.removeDevice(gone);
    await service.caughtUp();
    const stale = await call(service.url, 'POST', path, token, {
      clientMessageId: 'stale-one',
      envelopes: [...everyoneBut(a1().deviceId), gone.deviceId].map((deviceId) => ({ deviceId, ciphertext: 'AAAA' })),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toEqual({ missing: [], extra: [], stale: [gone.deviceId] });
  });

  it('refuses a non-member with 403', async () => {
    const carol = auth.createAccount(1);
    await service.caughtUp();
    const response = await call(service.url, 'POST', `/v1/conversations/${conversationId}/messages`, await carol.devices[0]!.token(), {
      clientMessageId: 'intruder',
      envelopes: [...alice.devices, ...bob.devices].map((d) => ({ deviceId: d.deviceId, ciphertext: 'AAAA' })),
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('MSG_NOT_A_MEMBER');
    const read = await call(service.url, 'GET', `/v1/conversations/${conversationId}`, await carol.devices[0]!.token());
    expect(read.status).toBe(403);
  });

  it('refuses a 70 KiB ciphertext with 413 and accepts 64 KiB', async () => {
    const token = await a1().token();
    const path = `/v1/conversations/${conversationId}/messages`;
    const send = (bytes: number, id: string) =>
      call(service.url, 'POST', path, token, {
        clientMessageId: id,
        envelopes: everyoneBut(a1().deviceId).map((deviceId) => ({ deviceId, ciphertext: fakeCiphertext(bytes) })),
      });
    const tooLarge = await send(70 * 1024, 'big');
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('MSG_PAYLOAD_TOO_LARGE');
    const fits = await send(64 * 1024, 'fits');
    expect(fits.status).toBe(201);
  });

  it('sends directly to an account, creating the direct conversation once', async () => {
    const token = await a1().token();
    const envelopes = everyoneBut(a1().deviceId).map((deviceId) => ({ deviceId, ciphertext: 'AAAA' }));
    const first = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, { clientMessageId: 'd1', envelopes });
    const second = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, { clientMessageId: 'd2', envelopes });
    expect(first.status).toBe(201);
    expect(second.body.conversationId).toBe(first.body.conversationId);
    expect(second.body.seq).toBe(2);
    const fromBob = await call(service.url, 'PUT', `/v1/direct/${alice.accountId}`, await b1().token());
    expect(fromBob.status).toBe(200);
    expect(fromBob.body.conversationId).toBe(first.body.conversationId);
    expect(fromBob.body.kind).toBe('direct');
  });

  it('lets only the addressed device read its envelopes', async () => {
    const a2Queue = await call(service.url, 'GET', '/v1/queue?limit=500', await a2().token());
    const b1Queue = await call(service.url, 'GET', '/v1/queue?limit=500', await b1().token());
    const a2Ids = new Set(a2Queue.body.envelopes.map((e: { id: number }) => e.id));
    expect(b1Queue.body.envelopes.some((e: { id: number }) => a2Ids.has(e.id))).toBe(false);
    // Acking another device's ids does nothing.
    const ack = await call(service.url, 'POST', '/v1/queue/ack', await b1().token(), { ids: [...a2Ids] });
    expect(ack.body.acked).toBe(0);
    const after = await call(service.url, 'GET', '/v1/queue?limit=500', await a2().token());
    expect(after.body.envelopes).toHaveLength(a2Ids.size);
  });
});
