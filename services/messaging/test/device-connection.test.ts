import { EventEmitter } from 'node:events';
import type { WebSocket } from '@fastify/websocket';
import { describe, expect, it, vi } from 'vitest';
import type { QueueService } from '../src/domain/queue.service.js';
import type { MessagingMetrics } from '../src/metrics/messaging.metrics.js';
import { DeviceConnection } from '../src/realtime/device-connection.js';
import type { QueueStore, StoredEnvelope } from '../src/store/queue.store.js';

/**
 * One device's socket against an in-memory queue, so that the order in which
 * the news of commits arrives can be chosen: the case the service met under
 * load, an envelope told after a larger one was already pushed.
 */
const DEVICE = 'device-1';

class FakeSocket extends EventEmitter {
  readonly pushed: number[] = [];
  readonly bufferedAmount = 0;

  send(data: string | Buffer, _options: unknown, callback?: () => void): void {
    const frame = JSON.parse(data.toString()) as { type: string; envelope?: { id: number } };
    if (frame.type === 'envelope') this.pushed.push(frame.envelope!.id);
    if (callback) queueMicrotask(callback);
  }

  // The connection calls these; what the test checks is what was pushed.
  readonly close = (): undefined => undefined;
  readonly ping = (): undefined => undefined;
  readonly terminate = (): undefined => undefined;

  ack(...ids: number[]): void {
    this.emit('message', Buffer.from(JSON.stringify({ type: 'ack', ids })), false);
  }
}

function envelope(id: number): StoredEnvelope {
  return {
    envelope_id: id,
    device_id: DEVICE,
    message_id: `message-${id}`,
    conversation_id: 'conversation-1',
    seq: id,
    sender_account_id: 'sender',
    sender_device_id: 'sender-device',
    client_message_id: `client-${id}`,
    sent_at: 1_700_000_000_000,
    ciphertext: Buffer.from([id]),
  };
}

/** A device connection over a queue held in a map: `commit` stores, the socket's acks delete. */
function connect(window: number): { socket: FakeSocket; connection: DeviceConnection; commit: (...ids: number[]) => StoredEnvelope[] } {
  const queue = new Map<number, StoredEnvelope>();
  const queues = {
    listAfter: (_deviceId: string, after: number, limit: number) =>
      Promise.resolve([...queue.values()].filter((e) => e.envelope_id > after).sort((a, b) => a.envelope_id - b.envelope_id).slice(0, limit)),
  } as unknown as QueueStore;
  const queueService = {
    ack: (_deviceId: string, ids: readonly number[]) => {
      for (const id of ids) queue.delete(id);
      return Promise.resolve(ids.length);
    },
  } as unknown as QueueService;
  const metrics = { deliveries: { inc: () => undefined } } as unknown as MessagingMetrics;
  const socket = new FakeSocket();
  const claims = { accountId: 'account-1', deviceId: DEVICE, sessionId: 'session-1', tokenId: 'token-1', expiresAt: Date.now() / 1000 + 3600 };
  const connection = new DeviceConnection(socket as unknown as WebSocket, claims, {
    queues,
    queueService,
    metrics,
    window,
    maxBufferedBytes: 1 << 20,
    heartbeatMs: 60_000,
    clock: () => Date.now(),
    logger: { warn: () => undefined, debug: () => undefined },
  });
  const commit = (...ids: number[]) => ids.map((id) => {
    const stored = envelope(id);
    queue.set(id, stored);
    return stored;
  });
  return { socket, connection, commit };
}

describe('DeviceConnection', () => {
  it('delivers an envelope told after a larger one was pushed, once', async () => {
    const { socket, connection, commit } = connect(8);
    connection.start();
    await new Promise((resolve) => setImmediate(resolve));
    const [first, second] = commit(1, 2);
    // Both committed; the news of 2 comes first (a send held during a writer move settles a hop later).
    connection.offer(second!);
    connection.offer(first!);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([2, 1]);
    });
    // Told again while in flight, or after its ack: nothing more goes out.
    connection.offer(first!);
    socket.ack(1, 2);
    await new Promise((resolve) => setImmediate(resolve));
    connection.offer(first!);
    const [third] = commit(3);
    connection.offer(third!);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([2, 1, 3]);
    });
    connection.close(1000, 'done');
  });

  it('keeps to the window when it reads again below its cursor, and pushes the rest as acks come', async () => {
    const { socket, connection, commit } = connect(2);
    connection.start();
    await new Promise((resolve) => setImmediate(resolve));
    const stored = commit(4, 5, 6);
    connection.offer(stored[1]!);
    connection.offer(stored[2]!);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([5, 6]);
    });
    // 4 was committed first and is told last, with the window full.
    connection.offer(stored[0]!);
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.pushed).toEqual([5, 6]);
    socket.ack(5);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([5, 6, 4]);
    });
    socket.ack(6, 4);
    await new Promise((resolve) => setImmediate(resolve));
    // Several told late, more than one read of the window finds: 8 and 9 pushed, then 1, 2 and 3 told.
    const late = commit(1, 2, 3, 8, 9);
    connection.offer(late[3]!);
    connection.offer(late[4]!);
    for (const envelope of late.slice(0, 3)) connection.offer(envelope);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([5, 6, 4, 8, 9]);
    });
    socket.ack(8, 9);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([5, 6, 4, 8, 9, 1, 2]);
    });
    socket.ack(1, 2);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([5, 6, 4, 8, 9, 1, 2, 3]);
    });
    socket.ack(3);
    const [ten] = commit(10);
    connection.offer(ten!);
    await vi.waitFor(() => {
      expect(socket.pushed).toEqual([5, 6, 4, 8, 9, 1, 2, 3, 10]);
    });
    connection.close(1000, 'done');
  });
});
