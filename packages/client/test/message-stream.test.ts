import { afterEach, describe, expect, it, vi } from 'vitest';
import { MessageStream } from '../src/messaging/message-stream.js';
import type { WebSocketLike } from '../src/messaging/message-stream.js';
import type { Envelope } from '../src/messaging/messaging.types.js';

/** A scripted WebSocket: the test plays the server. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 1;
  sent: string[] = [];
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  closedWith: number | undefined;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  serverSends(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  serverCloses(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  acked(): number[] {
    return this.sent.filter((s) => s.includes('"ack"')).flatMap((s) => (JSON.parse(s) as { ids: number[] }).ids);
  }
}

const envelope = (id: number): Envelope => ({
  id,
  messageId: `m${id}`,
  conversationId: 'c',
  seq: id,
  senderAccountId: 'a',
  senderDeviceId: 'd',
  clientMessageId: `c${id}`,
  sentAt: 0,
  ciphertext: 'AA',
});

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe('MessageStream', () => {
  it('connects with the token as a subprotocol on a ws(s) URL and handles envelopes in order', async () => {
    const seen: number[] = [];
    const stream = new MessageStream({
      url: 'https://messaging.example',
      token: () => 'tok',
      WebSocket: FakeSocket,
      ackDelayMs: 0,
      onEnvelope: (e) => {
        seen.push(e.id);
      },
    });
    stream.start();
    stream.start(); // idempotent
    await flush();
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toBe('wss://messaging.example/v1/stream');
    expect(socket.protocols).toEqual(['sanctum.v1', 'sanctum.bearer.tok']);
    socket.serverSends({ type: 'hello' });
    expect(stream.state).toBe('open');
    socket.serverSends({ type: 'envelope', envelope: envelope(1) });
    socket.onmessage?.({ data: new TextEncoder().encode(JSON.stringify({ type: 'envelope', envelope: envelope(2) })) });
    socket.serverSends({ type: 'queue_empty' });
    await stream.ready();
    await flush();
    expect(seen).toEqual([1, 2]);
    expect(socket.acked()).toEqual([1, 2]);
    await stream.ready(); // already drained: resolves at once
    await stream.stop();
    expect(socket.closedWith).toBe(1000);
    expect(stream.state).toBe('stopped');
  });

  it('reports frames it cannot parse and a failing handler, and does not ack what failed', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const stream = new MessageStream({
      url: 'http://x',
      token: () => 'tok',
      WebSocket: FakeSocket,
      ackBatchSize: 1,
      onError: (e) => errors.push(e),
      onEnvelope: () => {
        if (fail) {
          fail = false;
          throw new Error('not now');
        }
      },
    });
    stream.start();
    await flush();
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toBe('ws://x/v1/stream');
    socket.serverSends('not json');
    socket.serverSends({ type: 'envelope', envelope: envelope(5) });
    socket.serverSends({ type: 'envelope', envelope: envelope(6) });
    await flush();
    expect(errors).toHaveLength(2);
    expect(socket.acked()).toEqual([6]);
    await stream.stop();
  });

  it('reconnects after a drop, with a fresh token, and does not hand over an envelope twice', async () => {
    let tokens = 0;
    const seen: number[] = [];
    const states: string[] = [];
    const stream = new MessageStream({
      url: 'http://x',
      token: () => `t${++tokens}`,
      WebSocket: FakeSocket,
      ackDelayMs: 0,
      reconnectDelayMs: { initial: 1, max: 4 },
      onStateChange: (s) => states.push(s),
      onEnvelope: (e) => {
        seen.push(e.id);
      },
    });
    stream.start();
    await flush();
    FakeSocket.all[0]!.serverSends({ type: 'hello' });
    FakeSocket.all[0]!.serverSends({ type: 'envelope', envelope: envelope(1) });
    await flush();
    FakeSocket.all[0]!.serverCloses(1006);
    await vi.waitFor(() => { expect(FakeSocket.all).toHaveLength(2); });
    expect(FakeSocket.all[1]!.protocols).toContain('sanctum.bearer.t2');
    FakeSocket.all[1]!.serverSends({ type: 'envelope', envelope: envelope(1) }); // redelivered: acked, not handled again
    await flush();
    expect(seen).toEqual([1]);
    expect(FakeSocket.all[1]!.acked()).toEqual([1]);
    // An expired token reconnects at once; the old socket's late events are ignored.
    FakeSocket.all[1]!.serverCloses(4401, 'token expired');
    await vi.waitFor(() => { expect(FakeSocket.all).toHaveLength(3); });
    FakeSocket.all[0]!.serverSends({ type: 'envelope', envelope: envelope(9) });
    await flush();
    expect(seen).toEqual([1]);
    expect(states).toContain('reconnecting');
    await stream.stop();
  });

  it('stops for good when revoked or replaced', async () => {
    for (const code of [4403, 4409, 4400]) {
      FakeSocket.all = [];
      const closes: (number | undefined)[] = [];
      const stream = new MessageStream({
        url: 'http://x',
        token: () => 'tok',
        WebSocket: FakeSocket,
        onEnvelope: () => undefined,
        onStateChange: (state, close) => state === 'stopped' && closes.push(close?.code),
      });
      stream.start();
      await flush();
      FakeSocket.all[0]!.serverCloses(code);
      await flush();
      expect(stream.state).toBe('stopped');
      expect(closes).toEqual([code]);
      expect(FakeSocket.all).toHaveLength(1);
    }
  });

  it('retries when the token source fails', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const stream = new MessageStream({
      url: 'http://x',
      token: () => {
        calls++;
        if (calls === 1) throw new Error('refresh failed');
        return 'tok';
      },
      WebSocket: FakeSocket,
      reconnectDelayMs: { initial: 1, max: 2 },
      onError: (e) => errors.push(e),
      onEnvelope: () => undefined,
    });
    stream.start();
    await vi.waitFor(() => { expect(FakeSocket.all).toHaveLength(1); });
    expect(errors).toHaveLength(1);
    await stream.stop();
  });

  it('pings, and treats a silent connection as dead', async () => {
    vi.useFakeTimers();
    const stream = new MessageStream({ url: 'http://x', token: () => 'tok', WebSocket: FakeSocket, pingIntervalMs: 1000, onEnvelope: () => undefined });
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const socket = FakeSocket.all[0]!;
    socket.serverSends({ type: 'hello' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.sent).toContain('{"type":"ping"}');
    await vi.advanceTimersByTimeAsync(2500);
    expect(socket.closedWith).toBe(4000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all.length).toBeGreaterThan(1);
    await stream.stop();
  });

  it('needs a WebSocket implementation', async () => {
    const original = (globalThis as { WebSocket?: unknown }).WebSocket;
    (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
    const stream = new MessageStream({ url: 'http://x', token: () => 'tok', onEnvelope: () => undefined });
    expect(() => {
      stream.start();
    }).toThrow(/No WebSocket implementation/);
    (globalThis as { WebSocket?: unknown }).WebSocket = original;
  });
});
