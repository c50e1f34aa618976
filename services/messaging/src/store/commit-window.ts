/** How a commit window behaves (see CommitWindow). */
export interface CommitWindowOptions {
  /** The longest a durable write waits for company; 0 = never waits. */
  readonly maxHoldMs: number;
  /** How many durable writes a commit aims to carry; once that many have gathered the batch goes at once. 1 = never waits. */
  readonly batch: number;
}

/** Weight of the newest gap in the running mean. */
const SMOOTHING = 0.25;

/**
 * How long a durable write may wait for others to share its commit. A
 * durable commit costs its fsync and a writer wake-up whatever it holds: on
 * this project's VMs about 250 µs of CPU per commit, as much as the send's
 * own statements (docs/benchmarks.md). At 500 sends a second, one per
 * commit, that is an eighth of a core. Holding a send briefly lets the next
 * ones join it.
 *
 * The hold is what gathering `batch` writes should take at the recent rate
 * (a running mean of the gaps between arrivals), capped at `maxHoldMs`, and
 * counted from the first write of a batch; the batch goes as soon as `batch`
 * writes are in. So the added latency shrinks as load grows (where natural
 * batching already shares commits), and a quiet server, whose next send is
 * further away than the cap, commits each at once and waits for nothing;
 * so does the first write after a pause.
 *
 * @example
 * const window = new CommitWindow({ maxHoldMs: 8, batch: 4 });
 * flushes.within(window.hold()); // a send arrived: go now (0) or within the hold
 * window.flushed();              // the batch went out
 */
export class CommitWindow {
  private lastArrival = -Infinity;
  private meanGapMs: number;
  private held = 0;

  constructor(
    private readonly options: CommitWindowOptions = { maxHoldMs: 0, batch: 1 },
    private readonly now: () => number = () => performance.now(),
  ) {
    // Starts as if idle: the first writes commit at once.
    this.meanGapMs = 2 * options.maxHoldMs;
  }

  /**
   * Records a durable write's arrival; returns how long its batch may wait
   * (ms), 0 for at once. `queued` jobs already wait to go and at most
   * `maxJobs` fit in one transaction: a full one goes at once. So does one
   * arriving while a commit is under way (`committing`): it will gather the
   * writes that come meanwhile by itself, and holding it back would only
   * leave the disk idle afterwards — at saturation (1000 × 64 KiB sends/s)
   * that cost more than the fsyncs it saved.
   */
  hold({ queued = 0, maxJobs = Infinity, committing = false }: { queued?: number; maxJobs?: number; committing?: boolean } = {}): number {
    const { maxHoldMs, batch } = this.options;
    if (maxHoldMs <= 0 || batch <= 1) return 0;
    const now = this.now();
    // A gap past the cap already says "no company"; longer ones would only slow the mean's recovery.
    const gap = Math.min(now - this.lastArrival, 2 * maxHoldMs);
    this.lastArrival = now;
    this.meanGapMs += SMOOTHING * (gap - this.meanGapMs);
    this.held += 1;
    // The write right after a pause goes at once too: company is not coming now, whatever the mean says.
    if (committing || this.held >= batch || queued >= maxJobs || gap >= maxHoldMs || this.meanGapMs >= maxHoldMs) return 0;
    return Math.min(maxHoldMs, (batch - 1) * this.meanGapMs);
  }

  /** The held writes went out (their transaction started, or they were posted to the writer thread). */
  flushed(): void {
    this.held = 0;
  }
}
