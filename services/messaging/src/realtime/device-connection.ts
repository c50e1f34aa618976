import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '@sanctum/kernel';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { toEnvelopeHeader } from '../domain/queue.service.js';
import type { QueueService } from '../domain/queue.service.js';
import type { MessagingMetrics } from '../metrics/messaging.metrics.js';
import type { QueueStore, StoredEnvelope } from '../store/queue.store.js';
import { CLOSE_CODES, envelopeFrameBytes, parseClientFrame } from './socket.protocol.js';
import type { ServerFrame } from './socket.protocol.js';

export interface DeviceConnectionDeps {
  readonly queues: QueueStore;
  readonly queueService: QueueService;
  readonly metrics: MessagingMetrics;
  /** Most envelopes pushed and not yet acknowledged. */
  readonly window: number;
  /** Pause pushing while the socket buffers more than this many bytes. */
  readonly maxBufferedBytes: number;
  readonly heartbeatMs: number;
  readonly clock: () => number;
  readonly logger: Pick<FastifyBaseLogger, 'warn' | 'debug'>;
}

/**
 * One device's socket. The queue lives in the database, so this holds only a
 * cursor (the largest envelope id pushed) and the set pushed but not yet
 * acknowledged; every push reads from the database after that cursor. A wake
 * arriving mid-read is remembered and read again, so nothing committed after
 * the socket subscribed is missed. Unacknowledged envelopes stay queued and
 * are pushed again on the next connection.
 *
 * Envelopes are committed in id order, but the news of a commit can arrive
 * out of it: a send held while the writes move between the event loop and
 * the writer thread settles a promise hop later than one committed beside
 * it. An envelope offered below the cursor and not in flight may never have
 * been pushed, and a read after the cursor would skip it for the rest of the
 * connection, so the next read starts just before it instead (skipping what
 * is in flight). It then arrives after a larger id: late and out of order,
 * but not lost.
 */
export class DeviceConnection {
  readonly id = randomUUID();
  readonly connectedAt: number;
  /** False after a ping until the pong (or any frame) arrives. */
  alive = true;
  private lastPushedId = 0;
  /** Set when an envelope was offered below the cursor: the next read starts after this id instead. */
  private rereadAfter: number | undefined;
  private readonly inFlight = new Set<number>();
  private drained = false;
  /** The last read of the queue found everything there was: nothing committed is waiting unread. */
  private caughtUp = false;
  private pumping = false;
  private wakeAgain = false;
  private blocked = false;
  private closed = false;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly socket: WebSocket,
    readonly claims: AccessClaims,
    private readonly deps: DeviceConnectionDeps,
  ) {
    this.connectedAt = deps.clock();
  }

  get deviceId(): string {
    return this.claims.deviceId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Starts delivery; call once the bus subscription for this device is active. */
  start(): void {
    this.socket.on('message', (data, isBinary) => {
      this.alive = true;
      if (isBinary) {
        this.close(CLOSE_CODES.badFrame, 'frames must be JSON text');
        return;
      }
      this.onFrame(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    this.socket.on('pong', () => {
      this.alive = true;
    });
    this.socket.on('close', () => {
      this.markClosed();
    });
    this.socket.on('error', (error) => {
      this.deps.logger.debug({ err: error }, 'socket error');
    });
    // A socket must not outlive its token; the client reconnects with a fresh one.
    const msLeft = Math.min(this.claims.expiresAt * 1000 - this.deps.clock(), 2_000_000_000);
    this.expiryTimer = setTimeout(() => {
      this.close(CLOSE_CODES.tokenExpired, 'access token expired');
    }, Math.max(0, msLeft));
    this.expiryTimer.unref();
    this.sendFrame({
      type: 'hello',
      accountId: this.claims.accountId,
      deviceId: this.claims.deviceId,
      window: this.deps.window,
      heartbeatMs: this.deps.heartbeatMs,
    });
    this.wake();
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Something new may be queued for this device: read and push it. */
  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.wakeAgain = true;
      return;
    }
    void this.pump();
  }

  /**
   * An envelope for this device was just committed on this instance (which
   * stores every envelope). When the socket has read everything before it and
   * has room, it goes out straight from memory, saving a read of the queue
   * per envelope; otherwise the queue is read as for any wake.
   */
  offer(envelope: StoredEnvelope): void {
    if (this.closed) return;
    const id = envelope.envelope_id;
    if (id <= this.lastPushedId) {
      // Told after a larger id was pushed (see the class comment). In flight: it was pushed. Otherwise it
      // may not have been (or it was and is acknowledged, and the read finds nothing): read from before it.
      if (this.inFlight.has(id)) return;
      this.rereadFrom(id);
      this.wake();
      return;
    }
    if (this.caughtUp && !this.pumping && this.canPush() && this.inFlight.size < this.deps.window) {
      this.push(envelope);
      return;
    }
    this.wake();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
    this.markClosed();
  }

  /** Heartbeat tick: drop a peer that did not answer the previous ping. */
  heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.socket.terminate();
      this.markClosed();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiryTimer);
    for (const listener of this.closeListeners) listener();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.wakeAgain = false;
        await this.fill();
      } while (this.wakeRequested() && !this.isClosed);
    } catch (error) {
      this.deps.logger.warn({ err: error, deviceId: this.deviceId }, 'socket delivery failed');
      this.close(CLOSE_CODES.internalError, 'delivery failed; reconnect');
    } finally {
      this.pumping = false;
    }
  }

  private async fill(): Promise<void> {
    for (;;) {
      const room = this.deps.window - this.inFlight.size;
      this.caughtUp = false;
      if (!this.canPush() || room <= 0) return;
      const after = this.rereadAfter ?? this.lastPushedId;
      this.rereadAfter = undefined;
      // Reading again below the cursor, the envelopes in flight come back too and are skipped: read that many more.
      const limit = after < this.lastPushedId ? room + this.inFlight.size : room;
      const rows = await this.deps.queues.listAfter(this.deviceId, after, limit);
      for (const row of rows) {
        if (this.isClosed) return;
        if (this.inFlight.has(row.envelope_id)) continue;
        if (this.inFlight.size >= this.deps.window) {
          // A reread found more than the window holds: the rest waits for acks, from this row on.
          if (row.envelope_id <= this.lastPushedId) this.rereadFrom(row.envelope_id);
          return;
        }
        this.push(row);
      }
      // A full reread that ended below the cursor: the next read goes on from its last row, not from the cursor.
      const last = rows.at(-1);
      if (rows.length === limit && last !== undefined && last.envelope_id < this.lastPushedId) this.rereadFrom(last.envelope_id + 1);
      if (rows.length < limit) {
        this.caughtUp = true;
        if (!this.drained && this.canPush()) {
          this.drained = true;
          this.sendFrame({ type: 'queue_empty' });
        }
        return;
      }
    }
  }

  /** The next read starts at `id` (or lower, if another envelope below the cursor waits too). */
  private rereadFrom(id: number): void {
    this.rereadAfter = Math.min(this.rereadAfter ?? id - 1, id - 1);
  }

  private wakeRequested(): boolean {
    return this.wakeAgain;
  }

  /** Open and not paused by a full send buffer (a method, so checks after an await read the current state). */
  private canPush(): boolean {
    return !this.closed && !this.blocked;
  }

  private push(row: StoredEnvelope): void {
    const header = toEnvelopeHeader(row);
    this.lastPushedId = Math.max(this.lastPushedId, header.id);
    this.inFlight.add(header.id);
    this.sendText(envelopeFrameBytes(header, row.ciphertext));
    this.deps.metrics.deliveries.inc({ via: 'socket' });
  }

  private sendFrame(frame: ServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  /** Sends a text frame: a string, or JSON already encoded as UTF-8. */
  private sendText(json: string | Buffer): void {
    this.socket.send(json, { binary: false }, this.afterWrite);
    if (this.socket.bufferedAmount > this.deps.maxBufferedBytes) this.blocked = true;
  }

  /** Called as each frame reaches the kernel; resumes pushing once the buffer has drained enough. */
  private readonly afterWrite = (): void => {
    if (this.blocked && this.socket.bufferedAmount <= this.deps.maxBufferedBytes / 2) {
      this.blocked = false;
      this.wake();
    }
  };

  private onFrame(text: string): void {
    const frame = parseClientFrame(text);
    if (frame === undefined) {
      this.sendFrame({ type: 'error', code: 'MSG_BAD_FRAME', message: 'Expected {"type":"ack","ids":[…]} or {"type":"ping"}' });
      this.close(CLOSE_CODES.badFrame, 'bad frame');
      return;
    }
    if (frame.type === 'ping') {
      this.sendFrame({ type: 'pong' });
      return;
    }
    void this.ack(frame.ids);
  }

  private async ack(ids: readonly number[]): Promise<void> {
    try {
      await this.deps.queueService.ack(this.deviceId, ids);
    } catch (error) {
      // The envelopes stay queued and come again on the next connection.
      this.deps.logger.warn({ err: error, deviceId: this.deviceId }, 'ack failed');
      this.close(CLOSE_CODES.internalError, 'ack failed; reconnect');
      return;
    }
    const wasFull = this.inFlight.size >= this.deps.window;
    for (const id of ids) this.inFlight.delete(id);
    if (wasFull && this.inFlight.size < this.deps.window) this.wake();
  }
}
