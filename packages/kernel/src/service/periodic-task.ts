/** Where a pass's failure is reported (the app's logger). */
export interface PeriodicTaskLog {
  warn(details: object, message: string): void;
}

/**
 * Runs `pass` every `intervalMs` in the background (Auth's maintenance and
 * signing-key reload, Messaging's retention sweeper and segment collector): a
 * tick is skipped while the previous pass is still going, a failure is logged
 * and retried at the next tick, and the timer does not keep the process
 * alive. `stop` waits for the pass under way, so a service closes its
 * database only after it.
 *
 * @example
 * const sweeper = new PeriodicTask('retention sweep', 60_000, () => sweep(), app.log);
 * sweeper.start();
 * app.addHook('onClose', () => sweeper.stop());
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    /** What the pass does, for the log: "retention sweep" logs "retention sweep failed; will retry". */
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger?: PeriodicTaskLog,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.pass()
        .catch((error: unknown) => this.logger?.warn({ err: error }, `${this.what} failed; will retry`))
        .finally(() => (this.running = undefined));
    }, this.intervalMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
