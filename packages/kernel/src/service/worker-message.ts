import type { Worker } from 'node:worker_threads';

/**
 * Resolves at the first message from `worker` that `accept` takes, or when
 * the worker exits first (nothing more can come then), and stops listening
 * either way. For the small helper threads a service or tool runs and waits
 * on at start and stop ("ready", "stopped").
 *
 * @example
 * const stopped = untilWorkerMessage(worker, (m) => m === 'stopped');
 * worker.postMessage('stop');
 * await stopped;
 */
export function untilWorkerMessage(worker: Worker, accept: (message: unknown) => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('exit', done);
      resolve();
    };
    const onMessage = (message: unknown): void => {
      if (accept(message)) done();
    };
    worker.on('message', onMessage);
    worker.once('exit', done);
  });
}
