/** Where a background task reports a failure (the app's logger). */
export interface TaskLog {
  warn(details: object, message: string): void;
}

/**
 * Runs `task` every `ms` in the background: a run is skipped while the
 * previous one is still going, and a failure is logged and retried next time,
 * never fatal. The timer does not keep the process alive; `clearInterval` stops it.
 *
 * @example
 * const timer = every(60_000, () => maintenance.run(), 'maintenance', app.log);
 * app.addHook('onClose', async () => clearInterval(timer));
 */
export function every(ms: number, task: () => Promise<unknown>, name: string, log: TaskLog): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error: unknown) => {
        log.warn({ err: error, task: name }, 'background task failed; retrying next time');
      })
      .finally(() => {
        running = false;
      });
  }, ms);
  timer.unref();
  return timer;
}
