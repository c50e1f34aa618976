/**
 * When a batch of queued work goes out: in the next turn of the event loop
 * (so everything queued in this turn joins it), or, for work that may wait,
 * after a delay unless something more urgent sends the batch first. Used by
 * the group committer (to start a transaction) and by the writer thread's
 * event-loop side (to post to the thread).
 *
 * @example
 * const flushes = new FlushSchedule(() => sendBatch(), 5);
 * flushes.soon();  // a send: next turn
 * flushes.later(); // an ack: within 5 ms, or with the next send
 */
export class FlushSchedule {
  private immediate = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flush: () => void,
    private readonly delayMs: number,
  ) {}

  /** True while a flush is on its way (next turn or after the delay). */
  get pending(): boolean {
    return this.immediate || this.timer !== undefined;
  }

  /** Flush in the next turn of the event loop; a delayed flush waiting is brought forward. */
  soon(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) return;
    this.immediate = true;
    // setImmediate, not a microtask: every caller of this turn joins the batch.
    setImmediate(() => {
      this.immediate = false;
      this.flush();
    });
  }

  /** Flush after the delay, unless a flush is already on its way. */
  later(): void {
    if (this.pending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.soon();
    }, this.delayMs);
  }
}
