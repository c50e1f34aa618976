import type { Dispatcher } from 'undici';
import type { SendOutcome, SendRequest } from './load-target.contract.js';

/**
 * One HTTP request of a load run through undici's `dispatch`, the layer
 * under `request()`: the answer's status is kept and its body discarded as it
 * arrives, so no response stream, body promise or AbortSignal is made per
 * request. At 8,000 req/s that was a fifth of the generator's CPU and most of
 * its garbage (docs/benchmarks.md, "The generator's lean request path").
 * Never rejects: every ending is a `SendOutcome`.
 */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, request: SendRequest, waiting?: WaitingRequests): Promise<SendOutcome> {
  return new Promise((resolve) => {
    const handler = new OutcomeHandler(resolve, waiting);
    request.cancel = (reason) => {
      handler.abort(reason);
    };
    dispatcher.dispatch(options, handler);
  });
}

/** One request outside the schedule (a warm-up), cancelled after `timeoutMs`. */
export async function exchangeWithin(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, timeoutMs: number): Promise<SendOutcome> {
  const request: SendRequest = { index: -1, intendedAt: performance.now() };
  const timer = setTimeout(() => request.cancel?.(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    return await exchange(dispatcher, options, request);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Requests handed to a pool that it has not begun to write: the client-side
 * queue, kept as it changes. undici's `pool.stats` walks every connection of
 * the pool (0.15 ms with 1,024 of them), and its `queued` is already part of
 * its `pending`, so the sum the generator used to read counted each waiting
 * request twice.
 */
export class WaitingRequests {
  count = 0;
}

interface GatedRequest {
  readonly options: Dispatcher.DispatchOptions;
  readonly resolve: (outcome: SendOutcome) => void;
  /** Handed to the pool; until then the request waits in the gate. */
  started: boolean;
  /** Timed out while it waited: it is never handed to the pool. */
  dropped: boolean;
}

/** Above this many spent slots at its head, the gate's queue is compacted. */
const COMPACT_AFTER = 1024;

/**
 * A load run's client-side queue, kept in front of the pool rather than
 * inside it: at most `connections` requests are handed to the pool at once,
 * the rest wait here in order. A request that times out while waiting here
 * is dropped without ever reaching the pool or the server.
 *
 * Why not undici's own queue: a request can leave it only by being aborted
 * when its turn comes, and undici's HTTP/1.1 client aborts a request it has
 * begun by destroying its socket. Overloaded (1,000 × 64 KiB sends/s), the
 * queue held 11,000 requests that had timed out; each in turn destroyed a
 * connection, so the pool spent its time reconnecting and the server, then
 * idle, received almost nothing for the last 30 seconds of the run
 * (docs/smoke.md). For the same reason a request the pool has started is
 * not aborted when it times out (the generator has counted it already): it
 * keeps its connection until its answer comes, as wrk does, and only then
 * gives its place to the next one. Closing the session destroys the pool, so
 * answers that never come cannot hold the run open.
 *
 * @example
 * const gate = new ConnectionGate(pool, 1024);
 * const outcome = await gate.exchange({ path: '/', method: 'GET' }, request);
 */
export class ConnectionGate {
  private inPool = 0;
  private queue: GatedRequest[] = [];
  private head = 0;
  private waitingHere = 0;
  /** Handed to the pool and not yet started by it (its own queue, normally empty). */
  private readonly waitingInPool = new WaitingRequests();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly connections: number,
  ) {}

  /** Requests not yet being written: waiting here or in the pool. */
  get queued(): number {
    return this.waitingHere + this.waitingInPool.count;
  }

  /** As `exchange`, through the gate; never rejects. */
  exchange(options: Dispatcher.DispatchOptions, request: SendRequest): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const gated: GatedRequest = { options, resolve, started: false, dropped: false };
      request.cancel = (reason) => {
        // Started: left to finish on its connection (see the class comment).
        if (!gated.started && !gated.dropped) {
          gated.dropped = true;
          this.waitingHere -= 1;
          resolve({ kind: 'connection', detail: reason.message });
        }
      };
      if (this.inPool < this.connections) {
        this.start(gated);
      } else {
        this.queue.push(gated);
        this.waitingHere += 1;
      }
    });
  }

  private start(gated: GatedRequest): void {
    this.inPool += 1;
    gated.started = true;
    let ended = false;
    const handler = new OutcomeHandler((outcome) => {
      // undici may report an error after the end; the slot is given back once.
      if (ended) return;
      ended = true;
      this.inPool -= 1;
      gated.resolve(outcome);
      this.next();
    }, this.waitingInPool);
    this.dispatcher.dispatch(gated.options, handler);
  }

  /** Hands the pool the oldest request still waiting, if it has room. */
  private next(): void {
    while (this.inPool < this.connections && this.head < this.queue.length) {
      const gated = this.queue[this.head];
      this.head += 1;
      if (gated === undefined || gated.dropped) continue;
      this.waitingHere -= 1;
      this.start(gated);
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}

type Controller = Dispatcher.DispatchController;

/** A dispatch handler (undici's controller API) that resolves once with how the request ended. */
class OutcomeHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private controller: Controller | undefined;
  private cancelled: Error | undefined;
  private waiting: WaitingRequests | undefined;

  constructor(
    private readonly resolve: (outcome: SendOutcome) => void,
    waiting?: WaitingRequests,
  ) {
    if (waiting !== undefined) {
      waiting.count += 1;
      this.waiting = waiting;
    }
  }

  /** Leaves the queue once: when the pool starts the request, or when it ends without starting. */
  private started(): void {
    if (this.waiting === undefined) return;
    this.waiting.count -= 1;
    this.waiting = undefined;
  }

  /** Abandons the request now, or as soon as the pool starts it if it is still queued. */
  abort(reason: Error): void {
    if (this.controller === undefined) this.cancelled = reason;
    else this.controller.abort(reason);
  }

  onRequestStart(controller: Controller): void {
    this.started();
    this.controller = controller;
    if (this.cancelled !== undefined) controller.abort(this.cancelled);
  }

  onResponseStart(_controller: Controller, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(): void {
    // The body is not needed; reading it to the end is what lets the connection be reused.
  }

  onResponseEnd(): void {
    this.started();
    const status = this.status;
    this.resolve(status >= 200 && status < 300 ? { kind: 'ok', status } : { kind: 'status', status });
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.started();
    // The promise settles once: an error undici reports after the end changes nothing.
    this.resolve({ kind: 'connection', detail: (error as Error & { code?: string }).code ?? error.message });
  }
}
