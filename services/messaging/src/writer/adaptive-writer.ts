import { performance } from 'node:perf_hooks';
import type { WriteArgs, WriteOperationName, WriteResult } from './write-operations.js';
import type { Writer } from './writer.js';

/** When the adaptive writer moves its writes between the event loop and the writer thread. */
export interface AdaptivePolicy {
  /** Length of one measuring window. */
  readonly windowMs: number;
  /** Move to the thread after `hotWindows` windows in a row in which the event loop was busy more than this fraction of the time (its utilization). */
  readonly toThreadAbove: number;
  readonly hotWindows: number;
  /**
   * Come back after `calmWindows` windows in a row in which, with the commits
   * on the thread, the event loop was busy less than this fraction of the
   * time, and would stay under `toThreadAbove` with the commits back on it
   * (its utilization plus the thread's commit share: on the event loop the
   * loop stands still for as long as they take). A load that sends the
   * writes back to the thread within 30 windows of their return doubles the
   * calm windows the next return needs (up to 64), so a load at the boundary
   * settles on the thread instead of flipping.
   */
  readonly backBelow: number;
  readonly calmWindows: number;
  /**
   * Try a return anyway after `trialWindows` windows in a row with the loop
   * under `backBelow`, even though the thread's commit share says the loop
   * could not hold the commits: that share is measured on the thread, whose
   * commits are smaller and more frequent than the event loop's and slow
   * with the host, so on a busy host it can forbid a return the loop would
   * bear (the fourteenth VM's third full suite kept a 500-sends/s soak on the
   * dearer thread for all 15 minutes, at 77% of a core). A trial that
   * saturates the loop for `trialHotWindows` windows in a row within its
   * first 30 goes back at once and doubles the windows the next trial waits
   * (up to eight times `trialWindows`). One saturated window, not the five
   * of a first move: 1,000 × 64 KiB sends/s returned to the loop saturated it
   * at once (0.95–0.99), and each saturated second is a backlog the sends
   * behind it wait out (see `wouldHoldTheCommits`); with trials a minute
   * apart, then two, four, … such a load pays one second in its first two
   * minutes.
   */
  readonly trialWindows: number;
  readonly trialHotWindows: number;
}

/**
 * From the smoke scenarios on a 2-vCPU VM (docs/benchmarks.md, "Writes on the
 * event loop until it saturates"), the event loop's utilization per
 * one-second window:
 *
 * | sends | writes on the event loop: p50 / p90 / max | writes on the thread: p50 |
 * |---|---|---|
 * | 500/s × 1 KiB | 0.49 / 0.62 / 0.76 | 0.26 |
 * | 1,000/s × 1 KiB | 0.73 / 0.82 / 0.94 | 0.39 |
 * | 1,000/s × 64 KiB | 1.0 / 1.0 / 1.0 (saturated) | 1.0 |
 * | the same, with the WAL kept short (a later VM) | 0.81 / 0.91 / 0.97 | 0.56 |
 *
 * Only a loop saturated for five seconds moves. A load's first seconds, with
 * its connections opening, reached 0.94; with three seconds, 1,000 × 64 KiB
 * sends/s moved to the thread in 4 runs of 10 once the WAL was kept short
 * (twice in its first seconds), and the two that moved early took 102–104%
 * of a core at a p95 of 43–58 ms, against 66–75% and 10.8–16.2 ms for the
 * runs that stayed on the event loop. The writes come back once the loop,
 * relieved of the commits, stays under 0.7 with room for them (see
 * `wouldHoldTheCommits`) for five seconds — ten, twenty,
 * … up to 64 for a load that keeps flipping (the full suite saw load-1k flip
 * twice in ten seconds on a slowed VM). Under 0.5, as first set, kept a
 * load-64k that its saturated start had sent to the thread there for 80 of
 * its 120 seconds, at a p95 of 26 ms; with those sends on the thread the
 * loop runs at 0.46–0.74 (another run's windows).
 */
export const DEFAULT_ADAPTIVE_POLICY: AdaptivePolicy = {
  windowMs: 1000,
  toThreadAbove: 0.9,
  hotWindows: 5,
  backBelow: 0.7,
  calmWindows: 5,
  trialWindows: 60,
  trialHotWindows: 1,
};

/**
 * Whether a window on the thread leaves room to bring the commits back. The
 * loop's utilization alone said yes to 1,000 sends/s of 64 KiB: 0.64–0.66
 * with the commits on the thread, whose commits took 0.73 of each window;
 * back on the event loop, the loop ran at 0.95–0.99 until the writes left
 * again five seconds later, and those seconds' sends waited up to 0.7 s
 * (docs/benchmarks.md, "A return that saturated the loop").
 */
function wouldHoldTheCommits(window: WriterWindow, policy: AdaptivePolicy): boolean {
  return window.loopUtilization < policy.backBelow && window.loopUtilization + window.commitShare < policy.toThreadAbove;
}

/** A return followed by a move back to the thread within this many windows is a flip (see `backBelow`). */
const FLIP_WINDOWS = 30;
const MAX_CALM_WINDOWS = 64;
const MAX_TRIAL_BACKOFF = 8;

/** One measuring window, as `onWindow` reports it. */
export interface WriterWindow {
  readonly place: WriterPlace;
  /** The event loop's utilization over the window (0–1). */
  readonly loopUtilization: number;
  /** The share of the window the place's transactions took, BEGIN to COMMIT. */
  readonly commitShare: number;
}

/** The thread side: a writer that may die (its `fault` is then set and its writes fail). */
export interface ThreadSide extends Writer {
  readonly fault: Error | undefined;
}

export type WriterPlace = 'event-loop' | 'thread';

/** Why the writes moved: a saturated loop, a calm one with room for the commits, or a trial return (see `trialWindows`). */
export type MoveReason = 'saturated' | 'calm' | 'trial';

export interface AdaptiveWriterOptions {
  readonly policy?: AdaptivePolicy;
  /** Told each move, with the window that caused it (logs, metrics). */
  readonly onMove?: (to: WriterPlace, window: WriterWindow, reason: MoveReason) => void;
  /** Told every window (debug logs). */
  readonly onWindow?: (window: WriterWindow) => void;
  /** Told the thread's death; the writes go back to the event loop for good. */
  readonly onThreadFault?: (error: Error) => void;
  /** Milliseconds, monotonic (tests pass their own). */
  readonly clock?: () => number;
  /** The event loop's utilization (0–1) since the previous call (tests pass their own). */
  readonly loopMeter?: () => number;
}

/** The event loop's utilization since the previous call, from Node's own accounting. */
export function eventLoopMeter(): () => number {
  let mark = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, mark);
    mark = now;
    return since.utilization;
  };
}

interface Held {
  readonly run: (writer: Writer) => void;
}

/**
 * Messaging's writes on the event loop until it saturates, then on the writer
 * thread. On the event loop a batch of SQL programs commits synchronously —
 * no message to a thread, no thread to wake, no copy of the arguments — which
 * cost a fifth to a third less CPU and gave lower latency with 1 KiB sends at
 * 500 and 1,000/s; but the loop stands still for the whole commit and its
 * fsync, and once it has no time left (64 KiB sends at 1,000/s) the thread
 * lets it parse and push while the disk works.
 *
 * The measure is the event loop's utilization over one-second windows, read
 * whenever a transaction ends (`report`, fed from the committers'
 * `onBatch`). A move waits until every write accepted by the side being left
 * has ended (its `drain`), holding the writes that arrive meanwhile and
 * handing them over in order, so the two connections never write at once
 * and nothing is lost in the move. If the thread dies, its pending writes
 * fail with 503 as with the thread alone, and every later write stays on
 * the event loop.
 *
 * @example
 * const writer = new AdaptiveWriter(inProcess, thread, { onMove: (to) => log.info({ to }, 'writes moved') });
 * // both committers' onBatch call writer.report(place, busyMs) for each transaction
 */
export class AdaptiveWriter implements Writer {
  private active: Writer;
  private held: Held[] | undefined;
  private windowStart: number;
  private busyMs = 0;
  private hot = 0;
  private calm = 0;
  private calmNeeded: number;
  private returnedAt = -Infinity;
  /** Windows in a row on the thread with the loop under `backBelow`, room for the commits or not. */
  private quiet = 0;
  private trialNeeded: number;
  /** Windows on the event loop since a trial return, while it is still on trial. */
  private trialAge: number | undefined;
  private readonly policy: AdaptivePolicy;
  private readonly clock: () => number;
  private readonly loopMeter: () => number;
  private moved: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly eventLoop: Writer,
    private readonly thread: ThreadSide,
    private readonly options: AdaptiveWriterOptions = {},
  ) {
    this.active = eventLoop;
    this.policy = options.policy ?? DEFAULT_ADAPTIVE_POLICY;
    this.calmNeeded = this.policy.calmWindows;
    this.trialNeeded = this.policy.trialWindows;
    this.clock = options.clock ?? (() => performance.now());
    this.loopMeter = options.loopMeter ?? eventLoopMeter();
    this.windowStart = this.clock();
  }

  /** Where writes go now. */
  get place(): WriterPlace {
    return this.active === this.thread ? 'thread' : 'event-loop';
  }

  run<K extends WriteOperationName>(name: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    const fault = this.active === this.thread ? this.thread.fault : undefined;
    if (fault !== undefined) {
      this.active = this.eventLoop;
      this.options.onThreadFault?.(fault);
    }
    const held = this.held;
    if (held === undefined) return this.active.run(name, args);
    return new Promise<WriteResult<K>>((resolve, reject) => {
      held.push({ run: (writer) => { writer.run(name, args).then(resolve, reject); } });
    });
  }

  /** One transaction ended on `place`, after `busyMs` of work; a report from the side being left is ignored. */
  report(place: WriterPlace, busyMs: number): void {
    if (place !== this.place || this.held !== undefined) return;
    this.busyMs += busyMs;
    const now = this.clock();
    const elapsed = now - this.windowStart;
    if (elapsed < this.policy.windowMs) return;
    const window: WriterWindow = { place, loopUtilization: this.loopMeter(), commitShare: this.busyMs / elapsed };
    this.startWindow(now);
    this.options.onWindow?.(window);
    if (place === 'event-loop') this.judgeEventLoop(window);
    else this.judgeThread(window);
  }

  async drain(): Promise<void> {
    // A move under way hands its held writes over first; then both sides empty out.
    while (this.held !== undefined) await this.moved;
    await Promise.all([this.eventLoop.drain(), this.thread.drain()]);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drain();
      await Promise.all([this.eventLoop.close(), this.thread.close()]);
    })();
    return this.closing;
  }

  private judgeEventLoop(window: WriterWindow): void {
    this.hot = window.loopUtilization > this.policy.toThreadAbove ? this.hot + 1 : 0;
    if (this.trialAge !== undefined) this.trialAge += 1;
    const onTrial = this.trialAge !== undefined;
    if (this.hot >= (onTrial ? this.policy.trialHotWindows : this.policy.hotWindows) && this.thread.fault === undefined) {
      if (onTrial) this.trialNeeded = Math.min(this.trialNeeded * 2, this.policy.trialWindows * MAX_TRIAL_BACKOFF);
      this.move(this.thread, window, 'saturated');
    } else if (this.trialAge !== undefined && this.trialAge >= FLIP_WINDOWS) {
      // The loop bore the commits: the trial is over, and the next one waits the policy's count again.
      this.trialAge = undefined;
      this.trialNeeded = this.policy.trialWindows;
    }
  }

  private judgeThread(window: WriterWindow): void {
    const quiet = window.loopUtilization < this.policy.backBelow;
    this.quiet = quiet ? this.quiet + 1 : 0;
    this.calm = quiet && wouldHoldTheCommits(window, this.policy) ? this.calm + 1 : 0;
    if (this.calm >= this.calmNeeded) this.move(this.eventLoop, window, 'calm');
    else if (this.quiet >= this.trialNeeded) this.move(this.eventLoop, window, 'trial');
  }

  private startWindow(now: number): void {
    this.windowStart = now;
    this.busyMs = 0;
  }

  private move(to: Writer, window: WriterWindow, reason: MoveReason): void {
    const from = this.active;
    const now = this.clock();
    // A trial counts its own failures (`trialNeeded`), not as a flip of the calm return.
    if (reason === 'calm') this.returnedAt = now;
    else if (reason === 'saturated' && this.trialAge === undefined) {
      const flipped = now - this.returnedAt < FLIP_WINDOWS * this.policy.windowMs;
      this.calmNeeded = flipped ? Math.min(this.calmNeeded * 2, MAX_CALM_WINDOWS) : this.policy.calmWindows;
    }
    this.trialAge = reason === 'trial' ? 0 : undefined;
    const held: Held[] = [];
    this.held = held;
    this.hot = 0;
    this.calm = 0;
    this.quiet = 0;
    // Neither side's drain rejects; were one to, the held writes must still go on.
    this.moved = from.drain().catch(() => undefined).then(() => {
      // A thread that died meanwhile takes nothing: the held writes stay on the event loop.
      this.active = to === this.thread && this.thread.fault !== undefined ? this.eventLoop : to;
      this.held = undefined;
      // The first window on the new side measures only that side.
      this.loopMeter();
      this.startWindow(this.clock());
      this.options.onMove?.(this.place, window, reason);
      for (const write of held) write.run(this.active);
    });
  }
}
