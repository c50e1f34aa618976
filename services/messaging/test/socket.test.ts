/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- response bodies are untyped JSON */
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount, TestDevice } from './support/fake-auth.js';
import { TestStream, call, fakeCiphertext, startMessaging, until } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

const [engine] = testEngines();

describe('device WebSocket', () => {
  let auth: FakeAuth;
  let service: RunningMessaging;
  let sender: TestAccount;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    service = await startMessaging(engine!, auth, { env: { WS_WINDOW: '3', WS_HEARTBEAT_MS: '300' } });
    sender = auth.createAccount(1);
    await service.caughtUp();
  });
  afterAll(async () => {
    await service.close();
    await auth.close();
  });

  /** A fresh one-device account and a direct conversation with the sender. */
  async function recipient(): Promise<{ account: TestAccount; device: TestDevice; send: (n: number) => Promise<void> }> {
    const account = auth.createAccount(1);
    await service.caughtUp();
    const device = account.devices[0]!;
    const token = await sender.devices[0]!.token();
    let counter = 0;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const response = await call(service.url, 'POST', `/v1/direct/${account.accountId}/messages`, token, {
          clientMessageId: `${device.deviceId}-${counter++}`,
          envelopes: [{ deviceId: device.deviceId, ciphertext: fakeCiphertext(16) }],
        });
        expect(response.status).toBe(201);
      }
    };
    return { account, device, send };
  }

  it('refuses an upgrade without a valid token with 401, and a plain GET with 426', async () => {
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${service.wsUrl}/v1/stream`);
      socket.on('unexpected-response', (_request, response) => { resolve(response.statusCode ?? 0); });
      socket.on('error', () => undefined);
    });
    expect(refused).toBe(401);
    const plain = await call(service.url, 'GET', '/v1/stream', await sender.devices[0]!.token());
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe('MSG_UPGRADE_REQUIRED');
  });

  it('accepts the token as a subprotocol (browsers) and speaks sanctum.v1', async () => {
    const { device } = await recipient();
    const token = await device.token();
    const socket = new WebSocket(`${service.wsUrl}/v1/stream`, ['sanctum.v1', `sanctum.bearer.${token}`]);
    const hello = await new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.once('message', (data: Buffer) => { resolve(JSON.parse(data.toString())); });
      socket.once('error', reject);
    });
    expect(socket.protocol).toBe('sanctum.v1');
    expect(hello).toMatchObject({ type: 'hello', deviceId: device.deviceId, window: 3 });
    socket.close();
  });

  it('pushes at most the window of unacknowledged envelopes, then continues as acks arrive', async () => {
    const { device, send } = await recipient();
    await send(7);
    const stream = await TestStream.open(service.wsUrl, device);
    await stream.waitForEnvelopes(3);
    // The window is full: nothing more until an ack, and no queue_empty yet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stream.envelopes()).toHaveLength(3);
    expect(stream.hasQueueEmpty()).toBe(false);
    stream.ack(stream.envelopes().map((e) => e.id));
    await stream.waitForEnvelopes(6);
    stream.ack(stream.envelopes().slice(3).map((e) => e.id));
    await stream.waitForEnvelopes(7);
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    expect(stream.envelopes().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Live pushes after the marker.
    stream.ack([stream.envelopes()[6]!.id]);
    await send(1);
    await stream.waitForEnvelopes(8);
    await stream.close();
  });

  it('pushes live envelopes in order, without gaps, whether they fit the window or wait for acks', async () => {
    const { account, device } = await recipient();
    const stream = await TestStream.open(service.wsUrl, device);
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    const token = await sender.devices[0]!.token();
    // Concurrent sends share commits; more of them than the window holds.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(service.url, 'POST', `/v1/direct/${account.accountId}/messages`, token, {
          clientMessageId: `live-${i}`,
          envelopes: [{ deviceId: device.deviceId, ciphertext: fakeCiphertext(16) }],
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    await stream.waitForEnvelopes(3);
    let acked = 0;
    while (stream.envelopes().length < 8) {
      const got = stream.envelopes();
      if (got.length > acked) stream.ack(got.slice(acked).map((e) => e.id));
      acked = got.length;
      await stream.waitForEnvelopes(acked + 1);
    }
    const received = stream.envelopes();
    expect(received.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const ids = received.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(received.map((e) => e.clientMessageId)).size).toBe(8);
    await stream.close();
  });

  it('replaces the older connection of the same device with close code 4409', async () => {
    const { device } = await recipient();
    const first = await TestStream.open(service.wsUrl, device);
    await first.waitFor((f) => f.some((x) => x.type === 'hello'), 'hello');
    const second = await TestStream.open(service.wsUrl, device);
    expect((await first.closed).code).toBe(4409);
    await second.waitFor(() => second.hasQueueEmpty(), 'queue_empty');
    expect(second.closeEvent).toBeUndefined();
    await second.close();
  });

  it('closes with 4400 on a frame it does not understand, and answers ping with pong', async () => {
    const { device } = await recipient();
    const stream = await TestStream.open(service.wsUrl, device);
    stream.socket.send(JSON.stringify({ type: 'ping' }));
    await stream.waitFor((f) => f.some((x) => x.type === 'pong'), 'pong');
    stream.socket.send('{"type":"ack","ids":["x"]}');
    expect((await stream.closed).code).toBe(4400);
    expect(stream.frames.some((f) => f.type === 'error' && f.code === 'MSG_BAD_FRAME')).toBe(true);
  });

  it('drops a peer that stops answering pings', async () => {
    const { device } = await recipient();
    const stream = await TestStream.open(service.wsUrl, device, { autoPong: false });
    const closed = await stream.closed;
    expect(closed.code).toBe(1006);
    await until(() => !service.app.messaging.gateway.isConnected(device.deviceId), 'server forgot the dead peer');
  });

  it('closes with 4401 when the access token expires', async () => {
    const { device } = await recipient();
    const token = await device.token(1);
    const socket = new WebSocket(`${service.wsUrl}/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    const code = await new Promise<number>((resolve) => socket.on('close', (c) => { resolve(c); }));
    expect(code).toBe(4401);
  });

  it('closes with 4403 when the device, the session or the account is revoked, and refuses the token after', async () => {
    const removed = await recipient();
    const revoked = await recipient();
    const deleted = await recipient();
    const streams = await Promise.all([removed, revoked, deleted].map((r) => TestStream.open(service.wsUrl, r.device)));
    auth.removeDevice(removed.device);
    auth.revokeSession(revoked.device);
    auth.deleteAccount(deleted.account);
    const codes = await Promise.all(streams.map(async (s) => (await s.closed).code));
    expect(codes).toEqual([4403, 4403, 4403]);
    const again = await call(service.url, 'GET', '/v1/queue', await removed.device.token());
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('AUTH_TOKEN_REVOKED');
    // A deleted account leaves its conversations.
    await service.caughtUp();
    const list = await call(service.url, 'GET', '/v1/conversations', await sender.devices[0]!.token());
    const withDeleted = list.body.conversations.filter((c: { members: { accountId: string }[] }) =>
      c.members.some((m) => m.accountId === deleted.account.accountId),
    );
    expect(withDeleted).toEqual([]);
  });

  it('tells connected devices the server is going away on shutdown (1001)', async () => {
    const own = await startMessaging(engine!, auth);
    await own.caughtUp();
    const { device } = await recipient();
    const stream = await TestStream.open(own.wsUrl, device);
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    await own.close();
    expect((await stream.closed).code).toBe(1001);
  });

  it('reports messaging metrics', async () => {
    const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text());
    for (const name of [
      'messaging_sends_total',
      'messaging_deliveries_total',
      'messaging_acks_total',
      'messaging_queue_depth',
      'messaging_delivery_latency_seconds_bucket',
      'messaging_open_sockets',
      'messaging_commit_batch_size_bucket',
    ]) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/messaging_sends_total\{result="stored",service="messaging"\} [1-9]/);
  });
});
