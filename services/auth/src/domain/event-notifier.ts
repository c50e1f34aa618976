/** One registration for the next wake-up; `cancel` when done with it. */
export interface EventWaiter {
  /** Resolves on the next wake-up, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  cancel(): void;
}

/**
 * Wakes long polls of the event feed when events commit (locally, or on
 * another instance through the bus). Register before reading, so an event
 * committed between the read and the wait still wakes the waiter.
 */
export class EventNotifier {
  private readonly wakers = new Set<() => void>();
  private closed = false;

  waiter(): EventWaiter {
    let woken = this.closed;
    let resolveWait: (() => void) | undefined;
    const wake = (): void => {
      woken = true;
      resolveWait?.();
    };
    this.wakers.add(wake);
    return {
      wait: (timeoutMs, signal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted === true) {
            resolve();
            return;
          }
          const done = (): void => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, timeoutMs);
          resolveWait = done;
          signal?.addEventListener('abort', done, { once: true });
        }),
      cancel: () => {
        this.wakers.delete(wake);
      },
    };
  }

  wakeAll(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  /** Wakes everyone now and every later waiter at once (shutdown: no poll holds the server open). */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  get waiting(): number {
    return this.wakers.size;
  }
}
