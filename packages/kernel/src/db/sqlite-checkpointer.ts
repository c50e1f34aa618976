import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { untilWorkerMessage } from '../service/worker-message.js';

/**
 * The worker's whole program. It runs as an eval'd CommonJS script so it works
 * the same from the TypeScript sources (tests) and from dist/ (production);
 * the SQLite driver's path comes in through workerData.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// Only RESTART waits (for the write lock, then for readers): a reader that needs to write before it
// ends would wait on us while we wait on it, so give up soon and try again on the next tick.
db.pragma('busy_timeout = 100');
const { restartAbovePages, closeEnoughPages } = workerData;
const passive = () => db.pragma('wal_checkpoint(PASSIVE)')[0];
const checkpoint = () => {
  try {
    let state = passive();
    if (state.log <= restartAbovePages) return;
    // Each pass copies what the last one missed; the few frames still behind go under RESTART's lock.
    for (let pass = 0; pass < 3 && state.log - state.checkpointed > closeEnoughPages; pass += 1) state = passive();
    db.pragma('wal_checkpoint(RESTART)');
  } catch { /* busy: the next tick tries again */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.postMessage('ready');
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('stopped');
});
`;

export interface CheckpointOptions {
  /** How often the worker checkpoints (ms). */
  readonly intervalMs?: number;
  /** A WAL longer than this many pages (16 MiB at 4 KiB) is brought back to its start with RESTART. */
  readonly restartAbovePages?: number;
  /** How close behind the writer the PASSIVE passes get before RESTART takes the lock for the rest. */
  readonly closeEnoughPages?: number;
}

/**
 * Runs SQLite's WAL checkpoints on a worker thread instead of the event loop.
 *
 * With the default auto-checkpoint, the commit that pushes the WAL past 1,000
 * pages copies them into the database file and fsyncs it, inside that commit,
 * on the main thread: with 64 KiB messages that is a stall every few dozen
 * sends (it showed as the largest block of event-loop time in the Messaging
 * profile). The owner turns auto-checkpoints off on its connection and this
 * worker checkpoints PASSIVE-ly (never blocking writers) every `intervalMs`,
 * so the event loop does not pay for it.
 *
 * PASSIVE alone does not keep the WAL short under a steady stream of
 * commits: the writer starts the log over only when every frame has been
 * copied back, and each pass ends behind frames committed while it ran. At
 * 1,000 × 64 KiB sends a second the WAL grew to 853 MB in 30 seconds
 * (docs/benchmarks.md). So once the log is past `restartAbovePages`, the
 * worker repeats PASSIVE until it is close behind the writer, then runs
 * RESTART, which holds writers off only while it copies those last frames
 * and makes the next commit start the log from its beginning. The owner's
 * `journal_size_limit` then truncates a file that grew in a burst. RESTART
 * gives up after 100 ms of waiting (the write lock, or a reader still on the
 * log), so a connection that must write to end its read waits no longer.
 */
export class SqliteCheckpointer {
  private readonly started: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.started = untilWorkerMessage(worker, (m) => m === 'ready');
  }

  static start(file: string, options: CheckpointOptions = {}): SqliteCheckpointer {
    const { intervalMs = 200, restartAbovePages = 4096, closeEnoughPages = 256 } = options;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const workerData = { driver, file, intervalMs, restartAbovePages, closeEnoughPages };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    // A checkpoint worker never keeps the process alive on its own.
    worker.unref();
    return new SqliteCheckpointer(worker);
  }

  /**
   * Resolves once the worker has its connection and checkpoints on its timer
   * (or has exited). Starting it takes a thread and the SQLite driver's load:
   * 0.1-0.5 s on a busy 2-core machine, while the owner may already write.
   */
  ready(): Promise<void> {
    return this.started;
  }

  /** Runs a last checkpoint and ends the worker. */
  async stop(): Promise<void> {
    const stopped = untilWorkerMessage(this.worker, (m) => m === 'stopped');
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
  }
}
