import type { FastifyBaseLogger } from 'fastify';

/**
 * Runs `pass` every `intervalMs` in the background (the retention sweeper,
 * the segment collector): a tick is skipped while the previous pass is still
 * going, a failure is logged and retried at the next tick, and the timer does
 * not keep the process alive. `stop` waits for the pass under way, so a
 * service closes its database only after it.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    /** What the pass does, for the log: "retention sweep" logs "retention sweep failed; will retry". */
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
    private readonly logger?: Pick<FastifyBaseLogger, 'warn'>,
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
