/**
 * When a batch of queued work goes out: in the next turn of the event loop
 * (so everything queued in this turn joins it), or, for work that may wait,
 * within a delay unless something more urgent sends the batch first. Used by
 * the group committer (to start a transaction) and by the writer thread's
 * event-loop side (to post to the thread).
 *
 * @example
 * const flushes = new FlushSchedule(() => sendBatch(), 5);
 * flushes.soon();      // a send: next turn
 * flushes.later();     // an ack: within 5 ms, or with the next send
 * flushes.within(2);   // within 2 ms; an earlier deadline already set stands
 */
export class FlushSchedule {
  private immediate = false;
  private timer: NodeJS.Timeout | undefined;
  private deadline = Infinity;

  constructor(
    private readonly flush: () => void,
    private readonly delayMs: number,
  ) {}

  /** True while a flush is on its way (next turn or after a delay). */
  get pending(): boolean {
    return this.immediate || this.timer !== undefined;
  }

  /** Flush in the next turn of the event loop; a delayed flush waiting is brought forward. */
  soon(): void {
    this.cancelTimer();
    if (this.immediate) return;
    this.immediate = true;
    // setImmediate, not a microtask: every caller of this turn joins the batch.
    setImmediate(() => {
      this.immediate = false;
      this.flush();
    });
  }

  /** Flush after the default delay, unless a flush is already on its way sooner. */
  later(): void {
    this.within(this.delayMs);
  }

  /** Flush at most `delayMs` from now (0: as `soon`): a flush already due sooner stands, one due later is brought forward. */
  within(delayMs: number): void {
    if (delayMs <= 0) {
      this.soon();
      return;
    }
    if (this.immediate) return;
    const deadline = performance.now() + delayMs;
    if (this.timer !== undefined && this.deadline <= deadline) return;
    this.cancelTimer();
    this.deadline = deadline;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deadline = Infinity;
      this.soon();
    }, delayMs);
  }

  private cancelTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = Infinity;
  }
}
