import { MessageStream, MessagingClient, SanctumApiError, decodeCiphertext, fromBase64Url, toBase64Url } from '@sanctum/client';
import type { Envelope, StreamState } from '@sanctum/client';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount, TestDevice } from './support/fake-auth.js';
import { startMessaging, until } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

const [engine] = testEngines();

describe('client SDK against the Messaging service', () => {
  let auth: FakeAuth;
  let service: RunningMessaging;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    service = await startMessaging(engine!, auth, { env: { SEND_RATE_MAX: '1000000' } });
    alice = auth.createAccount(2);
    bob = auth.createAccount(1);
    await service.caughtUp();
  });
  afterAll(async () => {
    await service.close();
    await auth.close();
  });

  const clientFor = (device: TestDevice) => new MessagingClient({ baseUrl: service.url, token: () => device.token() });
  const streamFor = (device: TestDevice, received: Envelope[], extra: Partial<ConstructorParameters<typeof MessageStream>[0]> = {}) =>
    new MessageStream({
      url: service.url,
      token: () => device.token(),
      WebSocket,
      onEnvelope: (envelope) => {
        received.push(envelope);
      },
      reconnectDelayMs: { initial: 20, max: 200 },
      ...extra,
    });

  it('manages conversations', async () => {
    const client = clientFor(alice.devices[0]!);
    const group = await client.createGroup([bob.accountId], 'title-v1');
    const updated = await client.updateMetadata(group.conversationId, 'title-v2', group.version);
    expect(updated.metadata).toBe('title-v2');
    const stale = await client.updateMetadata(group.conversationId, 'title-v3', group.version).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(SanctumApiError);
    expect((stale as SanctumApiError).code).toBe('MSG_VERSION_MISMATCH');
    const carol = auth.createAccount(1);
    await service.caughtUp();
    await client.addMembers(group.conversationId, [carol.accountId]);
    const promoted = await client.setRole(group.conversationId, carol.accountId, 'admin');
    expect(promoted.members.find((m) => m.accountId === carol.accountId)?.role).toBe('admin');
    await client.removeMember(group.conversationId, carol.accountId);
    expect((await client.getConversation(group.conversationId)).members).toHaveLength(2);
    await client.openDirect(bob.accountId);
    const all = [];
    for await (const conversation of client.conversations(1)) all.push(conversation.conversationId);
    expect(all).toHaveLength(2);
  });

  it('sends with a device-mismatch hook, receives over the stream in order, and acks', async () => {
    const sender = clientFor(alice.devices[0]!);
    const received: Envelope[] = [];
    let emptied = 0;
    const states: StreamState[] = [];
    const stream = streamFor(bob.devices[0]!, received, { onQueueEmpty: () => emptied++, onStateChange: (s) => states.push(s) });
    stream.start();
    await stream.ready();
    // The sender forgot its own other device; the hook adds it and the send is retried.
    let hookCalls = 0;
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        await sender.sendDirect(bob.accountId, [{ deviceId: bob.devices[0]!.deviceId, ciphertext: new Uint8Array([i, 1, 2]) }], {
          clientMessageId: `sdk-${i}`,
          onDeviceMismatch: (mismatch, current) => {
            hookCalls++;
            return [...current, ...mismatch.missing.map((deviceId) => ({ deviceId, ciphertext: 'AAAA' }))];
          },
        }),
      );
    }
    expect(hookCalls).toBe(5);
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    await until(() => received.length === 5, 'five envelopes');
    expect(received.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect([...decodeCiphertext(received[3]!)]).toEqual([3, 1, 2]);
    await until(async () => (await service.app.messaging.queues.depthOf(bob.devices[0]!.deviceId)) === 0, 'acked');
    expect(emptied).toBe(1);
    expect(states).toContain('open');
    // A retry of a stored send replays.
    const replay = await sender.sendDirect(bob.accountId, [
      { deviceId: bob.devices[0]!.deviceId, ciphertext: 'AAAA' },
      { deviceId: alice.devices[1]!.deviceId, ciphertext: 'AAAA' },
    ], { clientMessageId: 'sdk-0' });
    expect(replay).toMatchObject({ replayed: true, seq: 1 });
    await stream.stop();
    expect(stream.state).toBe('stopped');
  });

  it('reconnects after the server drops it and does not hand over an envelope twice', async () => {
    const device = alice.devices[1]!;
    const received: Envelope[] = [];
    let failOnce = true;
    const stream = streamFor(device, received, {
      onEnvelope: (envelope) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('app not ready'); // not acked: it comes again after a reconnect
        }
        received.push(envelope);
      },
      onError: () => undefined,
    });
    stream.start();
    await stream.ready();
    // alice's device 1 holds the five envelopes of the previous test.
    expect(received).toHaveLength(4);
    // Kill the server side of the socket: the stream reconnects, the unacked one comes again.
    service.app.messaging.gateway.revoke([], 0);
    const sockets = [...service.app.websocketServer.clients];
    for (const socket of sockets) socket.terminate();
    await until(() => received.length === 5, 'redelivered envelope');
    expect(new Set(received.map((e) => e.id)).size).toBe(5);
    await until(async () => (await service.app.messaging.queues.depthOf(device.deviceId)) === 0, 'acked');
    await stream.stop();
  });

  it('stops for good when replaced by another connection of the same device', async () => {
    const device = bob.devices[0]!;
    const closes: (number | undefined)[] = [];
    const first = streamFor(device, [], { onStateChange: (state, close) => state === 'stopped' && closes.push(close?.code) });
    first.start();
    await first.ready();
    const second = streamFor(device, []);
    second.start();
    await second.ready();
    await until(() => first.state === 'stopped', 'first stream stopped');
    expect(closes).toEqual([4409]);
    await second.stop();
  });

  it('polls and acks over HTTP', async () => {
    const sender = clientFor(bob.devices[0]!);
    await sender.sendDirect(alice.accountId, alice.devices.map((d) => ({ deviceId: d.deviceId, ciphertext: toBase64Url(new Uint8Array(300).fill(9)) })));
    const reader = clientFor(alice.devices[0]!);
    const page = await reader.fetchQueue(0, 10);
    expect(page.envelopes).toHaveLength(1);
    expect(fromBase64Url(page.envelopes[0]!.ciphertext)).toEqual(new Uint8Array(300).fill(9));
    expect(await reader.ack(page.envelopes.map((e) => e.id))).toBe(1);
    expect(await reader.ack([])).toBe(0);
    expect((await reader.fetchQueue(page.cursor)).envelopes).toEqual([]);
  });

  it('retries transient failures with the same client message id', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed');
      if (calls === 2) return new Response(JSON.stringify({ error: { code: 'MSG_STORE_BUSY', message: 'busy' } }), { status: 503, headers: { 'retry-after': '0' } });
      return fetch(input, init);
    };
    const client = new MessagingClient({ baseUrl: service.url, token: () => bob.devices[0]!.token(), fetch: flaky });
    const result = await client.sendDirect(alice.accountId, alice.devices.map((d) => ({ deviceId: d.deviceId, ciphertext: 'AAAA' })), { retryDelayMs: 1 });
    expect(calls).toBe(3);
    expect(result.replayed).toBe(false);
    const hopeless = new MessagingClient({ baseUrl: service.url, token: () => bob.devices[0]!.token(), fetch: async () => Promise.reject(new TypeError('down')) });
    await expect(hopeless.sendDirect(alice.accountId, [], { maxAttempts: 2, retryDelayMs: 1 })).rejects.toThrow('down');
    const mismatch = await client.sendDirect(alice.accountId, []).catch((e: unknown) => e);
    expect((mismatch as SanctumApiError).code).toBe('MSG_DEVICE_MISMATCH');
  });

  it('retries an unknown account only when told it exists (Messaging still catching up with Auth)', async () => {
    let calls = 0;
    const lagging: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) return new Response(JSON.stringify({ error: { code: 'MSG_ACCOUNT_NOT_FOUND', message: 'Some accounts do not exist' } }), { status: 404 });
      return fetch(input, init);
    };
    const client = new MessagingClient({ baseUrl: service.url, token: () => bob.devices[0]!.token(), fetch: lagging });
    const envelopes = alice.devices.map((d) => ({ deviceId: d.deviceId, ciphertext: 'AAAA' }));
    const refused = await client.sendDirect(alice.accountId, envelopes, { retryDelayMs: 1 }).catch((e: unknown) => e);
    expect((refused as SanctumApiError).code).toBe('MSG_ACCOUNT_NOT_FOUND');
    calls = 0;
    const result = await client.sendDirect(alice.accountId, envelopes, { retryDelayMs: 1, accountKnownToExist: true });
    expect(calls).toBe(2);
    expect(result.replayed).toBe(false);
  });
});
