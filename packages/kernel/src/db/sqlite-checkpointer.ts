import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The worker's whole program. It runs as an eval'd CommonJS script so it works
 * the same from the TypeScript sources (tests) and from dist/ (production);
 * the SQLite driver's path comes in through workerData.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('stopped');
});
`;

/**
 * Runs SQLite's WAL checkpoints on a worker thread instead of the event loop.
 *
 * With the default auto-checkpoint, the commit that pushes the WAL past 1,000
 * pages copies them into the database file and fsyncs it, inside that commit,
 * on the main thread: with 64 KiB messages that is a stall every few dozen
 * sends (it showed as the largest block of event-loop time in the Messaging
 * profile). The owner turns auto-checkpoints off on its connection and this
 * worker checkpoints PASSIVE-ly (never blocking writers) every `intervalMs`,
 * so the WAL stays short without the event loop paying for it.
 */
export class SqliteCheckpointer {
  private constructor(private readonly worker: Worker) {}

  static start(file: string, intervalMs = 200): SqliteCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs } });
    // A checkpoint worker never keeps the process alive on its own.
    worker.unref();
    return new SqliteCheckpointer(worker);
  }

  /** Runs a last checkpoint and ends the worker. */
  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.worker.once('message', () => {
        resolve();
      });
      this.worker.once('exit', () => {
        resolve();
      });
    });
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
  }
}
