import { Worker } from 'node:worker_threads';
import { AppError } from '@sanctum/kernel/core';
import { unpackError } from './error-transport.js';
import type { TransportedError } from './error-transport.js';
import { CommitWindow } from '../store/commit-window.js';
import type { CommitWindowOptions } from '../store/commit-window.js';
import { FlushSchedule } from '../store/flush-schedule.js';
import { LAZY_OPERATIONS } from './write-operations.js';
import type { WriteArgs, WriteOperationName, WriteResult } from './write-operations.js';
import type { Writer } from './writer.js';

/** What the writer thread is started with. */
export interface WriterThreadData {
  /** The SQLite file; the thread opens its own connection to it. */
  readonly file: string;
  readonly maxBatch: number;
  /** Large ciphertexts go to segment files in this directory (see BlobAppender); absent = all stay in SQLite. */
  readonly blobs?: { readonly directory: string; readonly minBytes: number; readonly segmentBytes: number };
}

export interface ThreadWriterOptions {
  /** How long a lazy operation (an ack) may wait on this side for a durable one to travel with. */
  readonly lazyDelayMs: number;
  /** When and how long a durable operation waits for others to share its commit (see CommitWindow); absent = never. */
  readonly commitWindow?: CommitWindowOptions;
  /** Told the size and duration of each transaction the thread ended (see GroupCommitOptions.onBatch). */
  readonly onBatch?: (size: number, busyMs: number) => void;
}

export interface WriterJob {
  readonly id: number;
  readonly name: WriteOperationName;
  readonly args: unknown;
}

export type WriterJobResult = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: TransportedError };

/** Messages to the writer thread. */
export type ToWriterThread = { readonly type: 'run'; readonly jobs: readonly WriterJob[] } | { readonly type: 'close' };

/** A transaction the thread ended: how many jobs it held and how long it took, BEGIN to COMMIT. */
export interface EndedBatch {
  readonly size: number;
  readonly busyMs: number;
}

/** Messages from the writer thread; `batches` are the transactions ended since the last message. */
export type FromWriterThread =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly results: readonly WriterJobResult[]; readonly batches: readonly EndedBatch[] }
  | { readonly type: 'closed' };

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The worker's compiled entry. Relative to this module it is the same path
 * from src/writer/ (tests run the TypeScript sources; the test set-up builds
 * dist/ first) and from dist/writer/, because both sit two levels below the
 * package: a worker needs JavaScript, so it always runs the compiled file.
 */
const WORKER_ENTRY = new URL('../../dist/writer/writer.worker.js', import.meta.url);

/**
 * Messaging's writes on their own thread (SQLite files only; the adaptive
 * writer sends them here once the event loop saturates). A durable SQLite
 * commit is a WAL write plus fsync, and better-sqlite3 runs it
 * synchronously: on the event loop it stalls every request for the commit's
 * whole duration (about 1.5 ms per batch of ~30 sends here). On this thread
 * the event loop keeps parsing, authenticating and pushing while the disk
 * works; the crossing costs each commit two wake-ups and a copy, which is
 * why it is not the default place. The thread owns its write connection
 * and group-commits as before; reads stay on the event loop's own
 * connection (WAL lets them run beside the writer).
 *
 * Jobs posted in one turn of the event loop travel in one message, and the
 * thread answers each batch in one message, so the crossing costs little per
 * write. Lazy operations (acks, see GroupCommitter.run) wait here up to
 * `lazyDelayMs` (at least one timer turn) for a durable one to travel with:
 * each message wakes the thread, and on this project's VMs a wake-up is a
 * context switch costing tens of µs. If the thread dies, pending and later
 * writes fail with 503 MSG_STORE_UNAVAILABLE (clients retry with the same
 * clientMessageId; a write that did commit then replays) and, with the
 * thread alone (`WRITER_MODE=thread`), `/readyz` reports it.
 *
 * @example
 * const writer = await ThreadWriter.start({ file: database.file, maxBatch: 512 }, { lazyDelayMs: 0 });
 * const stored = await writer.run('storeMessage', args);
 */
export class ThreadWriter implements Writer {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private outbox: WriterJob[] = [];
  private readonly flushes: FlushSchedule;
  private readonly window: CommitWindow;
  private failure: Error | undefined;
  private idleWaiters: (() => void)[] = [];
  private closed: Promise<void> | undefined;
  private readonly ready: Promise<void>;
  private onClosed: (() => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly maxBatch: number,
    private readonly options: ThreadWriterOptions,
  ) {
    this.flushes = new FlushSchedule(() => { this.post(); }, options.lazyDelayMs);
    this.window = new CommitWindow(options.commitWindow);
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWriterThread) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'done') this.settle(message);
        else this.onClosed?.();
      });
      worker.once('error', (error) => {
        reject(error);
        this.fail(error);
      });
      worker.once('exit', (code) => {
        const error = new Error(`the writer thread exited (code ${code})`);
        reject(error);
        this.fail(error);
        this.onClosed?.();
      });
    });
  }

  static async start(data: WriterThreadData, options: ThreadWriterOptions): Promise<ThreadWriter> {
    const writer = new ThreadWriter(new Worker(WORKER_ENTRY, { workerData: data }), data.maxBatch, options);
    await writer.ready;
    return writer;
  }

  /** Undefined while the thread is alive; the reason otherwise (for /readyz). */
  get fault(): Error | undefined {
    return this.failure;
  }

  run<K extends WriteOperationName>(name: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    if (this.failure !== undefined || this.closed !== undefined) return Promise.reject(unavailable());
    return new Promise<WriteResult<K>>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.outbox.push({ id, name, args });
      if (LAZY_OPERATIONS.has(name)) this.flushes.later();
      // Jobs posted and not yet answered mean the thread is committing.
      else this.flushes.within(this.window.hold({ queued: this.outbox.length, maxJobs: this.maxBatch, committing: this.pending.size > this.outbox.length }));
    });
  }

  drain(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    if (this.outbox.length > 0) this.flushes.soon();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.drain();
      if (this.failure === undefined) {
        const closed = new Promise<void>((resolve) => (this.onClosed = resolve));
        this.worker.postMessage({ type: 'close' } satisfies ToWriterThread);
        await closed;
      }
      await this.worker.terminate();
    })();
    return this.closed;
  }

  private post(): void {
    if (this.outbox.length === 0) return;
    const jobs = this.outbox;
    this.outbox = [];
    this.window.flushed();
    if (this.failure !== undefined) {
      for (const job of jobs) this.finish(job.id, (p) => { p.reject(unavailable()); });
      return;
    }
    this.worker.postMessage({ type: 'run', jobs } satisfies ToWriterThread);
  }

  private settle(message: Extract<FromWriterThread, { type: 'done' }>): void {
    for (const batch of message.batches) this.options.onBatch?.(batch.size, batch.busyMs);
    for (const result of message.results) {
      this.finish(result.id, (p) => {
        if (result.ok) p.resolve(result.value);
        else p.reject(unpackError(result.error));
      });
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const id of [...this.pending.keys()]) this.finish(id, (p) => { p.reject(unavailable()); });
  }

  private finish(id: number, settle: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    settle(pending);
    if (this.pending.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

function unavailable(): AppError {
  return new AppError('MSG_STORE_UNAVAILABLE', 'The message store is unavailable; retry with the same clientMessageId', 503);
}
