import type { TokenSource } from './messaging.client.js';
import { STREAM_CLOSE_CODES } from './messaging.types.js';
import type { Envelope } from './messaging.types.js';

/**
 * An event handler property, declared bivariantly (method syntax) so both the
 * DOM's handler types and `ws`'s accept the SDK's handlers.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'] | null;

/** The part of the WebSocket API the stream uses: the browser's `WebSocket` and Node's `ws` both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onmessage: Handler<{ data: unknown }>;
  onclose: Handler<{ code: number; reason: string }>;
  onerror: Handler<unknown>;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface MessageStreamOptions {
  /** Base URL of the Messaging service (`http(s)://` or `ws(s)://`). */
  readonly url: string;
  /** Called before every connection attempt, so an expired token is replaced. */
  readonly token: TokenSource;
  /**
   * Handles one envelope, in queue order; the stream acknowledges it once this
   * resolves. If it throws, the envelope is not acknowledged and comes again
   * after the next reconnect.
   */
  readonly onEnvelope: (envelope: Envelope) => void | Promise<void>;
  /** Everything queued while offline has been handed to `onEnvelope`; what follows is live. */
  readonly onQueueEmpty?: () => void;
  readonly onStateChange?: (state: StreamState, close?: { code: number; reason: string }) => void;
  readonly onError?: (error: unknown) => void;
  /** Defaults to `globalThis.WebSocket` (browsers, Node >= 22); on Node 20 pass `WebSocket` from `ws`. */
  readonly WebSocket?: WebSocketConstructor;
  /** Reconnect backoff: first delay and cap, in ms (defaults 250 and 30 000), with jitter. */
  readonly reconnectDelayMs?: { readonly initial?: number; readonly max?: number };
  /** Acks are sent in batches: after this many ms or this many ids (defaults 10 ms, 100). */
  readonly ackDelayMs?: number;
  readonly ackBatchSize?: number;
  /** Application-level ping period; no frame for two periods means a dead connection (default 25 000). */
  readonly pingIntervalMs?: number;
}

/** Close codes after which reconnecting cannot help. */
const FINAL_CLOSE_CODES = new Set<number>([STREAM_CLOSE_CODES.revoked, STREAM_CLOSE_CODES.replaced, STREAM_CLOSE_CODES.badFrame]);
const SEEN_LIMIT = 10_000;

/**
 * Real-time delivery for one device over the Messaging WebSocket: drains the
 * queue in order, reports `queue_empty`, then receives new envelopes as they
 * are stored; acknowledges each once handled (in small batches); reconnects
 * with backoff (and a fresh token) after a drop, when unacknowledged envelopes
 * come again — those already handled are acknowledged without calling
 * `onEnvelope` twice. It stops for good when the device is revoked (4403) or
 * another connection of the same device replaces it (4409).
 *
 * @example
 * import WebSocket from 'ws'; // Node 20 only; browsers use the global WebSocket
 * const stream = new MessageStream({
 *   url: 'http://127.0.0.1:4003',
 *   token: () => session.accessToken(),
 *   WebSocket,
 *   onEnvelope: async (envelope) => inbox.add(await decrypt(decodeCiphertext(envelope))),
 * });
 * stream.start();
 * await stream.ready(); // the offline backlog has been handled
 */
export class MessageStream {
  private socket: WebSocketLike | undefined;
  private currentState: StreamState = 'stopped';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingAcks: number[] = [];
  private handling: Promise<void> = Promise.resolve();
  private lastFrameAt = 0;
  private readonly seen = new Set<number>();
  private readyWaiters: (() => void)[] = [];
  private drained = false;

  constructor(private readonly options: MessageStreamOptions) {}

  get state(): StreamState {
    return this.currentState;
  }

  /** Connects (and keeps reconnecting) until `stop`. Throws when there is no WebSocket implementation. */
  start(): void {
    if (this.currentState !== 'stopped') return;
    this.webSocket();
    this.attempt = 0;
    void this.connect();
  }

  /** Resolves once the queue has been drained at least once since `start`. */
  async ready(): Promise<void> {
    if (this.drained) return;
    await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
  }

  /** Flushes pending acks, closes the socket and stops reconnecting. */
  async stop(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    await this.handling;
    this.flushAcks();
    const socket = this.socket;
    this.setState('stopped');
    this.teardown();
    socket?.close(1000, 'client stopped');
  }

  private async connect(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string;
    try {
      token = await this.options.token();
    } catch (error) {
      this.options.onError?.(error);
      this.scheduleReconnect();
      return;
    }
    if (this.currentState === 'stopped') return;
    const Ctor = this.webSocket();
    const url = new URL('/v1/stream', this.options.url);
    url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
    // The token travels as a subprotocol: browsers cannot set an Authorization header on a WebSocket.
    const socket = new Ctor(url.href, ['sanctum.v1', `sanctum.bearer.${token}`]);
    this.socket = socket;
    this.lastFrameAt = Date.now();
    socket.onmessage = (event) => {
      this.onFrame(socket, event.data);
    };
    socket.onclose = (event) => {
      this.onClose(socket, event.code, event.reason);
    };
    socket.onerror = () => undefined; // onclose follows and decides
  }

  private webSocket(): WebSocketConstructor {
    const Ctor = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) throw new Error('No WebSocket implementation: pass `WebSocket` from the ws package (Node 20)');
    return Ctor;
  }

  private onFrame(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    this.lastFrameAt = Date.now();
    let frame: { type?: string; envelope?: Envelope };
    try {
      frame = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)) as typeof frame;
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    if (frame.type === 'hello') {
      this.attempt = 0;
      this.setState('open');
      this.startPinging(socket);
    } else if (frame.type === 'envelope' && frame.envelope !== undefined) {
      const envelope = frame.envelope;
      this.handling = this.handling.then(() => this.handle(envelope));
    } else if (frame.type === 'queue_empty') {
      this.handling = this.handling.then(() => {
        this.drained = true;
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        this.options.onQueueEmpty?.();
      });
    }
  }

  private async handle(envelope: Envelope): Promise<void> {
    if (!this.seen.has(envelope.id)) {
      try {
        await this.options.onEnvelope(envelope);
      } catch (error) {
        this.options.onError?.(error);
        return;
      }
      this.remember(envelope.id);
    }
    this.queueAck(envelope.id);
  }

  private remember(id: number): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.values().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
  }

  private queueAck(id: number): void {
    this.pendingAcks.push(id);
    if (this.pendingAcks.length >= (this.options.ackBatchSize ?? 100)) this.flushAcks();
    else this.ackTimer ??= setTimeout(() => {
      this.flushAcks();
    }, this.options.ackDelayMs ?? 10);
  }

  private flushAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const socket = this.socket;
    // A socket that is not open loses the acks; those envelopes come again and are acked then.
    if (this.pendingAcks.length === 0 || socket?.readyState !== 1) return;
    socket.send(JSON.stringify({ type: 'ack', ids: this.pendingAcks }));
    this.pendingAcks = [];
  }

  private startPinging(socket: WebSocketLike): void {
    const interval = this.options.pingIntervalMs ?? 25_000;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * interval) {
        // No frame, not even a pong: the connection is dead though nobody said so.
        socket.close(4000, 'no answer to ping');
        this.onClose(socket, 1006, 'ping timeout');
        return;
      }
      if (socket.readyState === 1) socket.send('{"type":"ping"}');
    }, interval);
  }

  private onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.teardown();
    if (this.currentState === 'stopped') return;
    if (FINAL_CLOSE_CODES.has(code)) {
      this.setState('stopped', { code, reason });
      return;
    }
    this.options.onStateChange?.('reconnecting', { code, reason });
    if (code === STREAM_CLOSE_CODES.tokenExpired) this.attempt = 0;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.currentState === 'stopped') return;
    this.currentState = 'reconnecting';
    const initial = this.options.reconnectDelayMs?.initial ?? 250;
    const max = this.options.reconnectDelayMs?.max ?? 30_000;
    const base = Math.min(max, initial * 2 ** this.attempt);
    this.attempt++;
    const wait = this.attempt === 1 && base === initial ? 0 : base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => {
      void this.connect();
    }, wait);
  }

  private teardown(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.pendingAcks = [];
    if (this.socket !== undefined) {
      this.socket.onmessage = null;
      this.socket.onclose = null;
    }
    this.socket = undefined;
  }

  private setState(state: StreamState, close?: { code: number; reason: string }): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.options.onStateChange?.(state, close);
  }
}
