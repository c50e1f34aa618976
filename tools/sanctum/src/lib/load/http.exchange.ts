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
