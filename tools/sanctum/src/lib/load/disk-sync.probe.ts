import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { untilWorkerMessage } from '@sanctum/kernel';

/** One timed write and `fdatasync`: when it started (wall-clock ms) and how long it took (ms). */
export interface DiskSyncSample {
  readonly atMs: number;
  readonly ms: number;
}

export interface DiskSyncProbeOptions {
  /** Time between the start of one probe and the next (default 100 ms). */
  readonly intervalMs?: number;
  /** Bytes written before each sync (default 4 KiB, one database page). */
  readonly bytes?: number;
}

/** The probe's file, in the folder it watches; removed when the probe stops. */
const PROBE_FILE = '.sanctum-disk-probe';
/** The probe rewrites this many blocks in turn, so its file never grows (allocating blocks would cost each sync more). */
const SLOTS = 256;

/**
 * The worker's whole program, an eval'd CommonJS script so it runs the same
 * from the TypeScript sources (tests) and from dist/. Its syncs are
 * synchronous on purpose: the worker has nothing else to do, and the time
 * measured is the system call's, not a thread pool's queue.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { file, intervalMs, bytes, slots } = workerData;
const block = Buffer.alloc(bytes, 0x5a);
const failed = (error) => parentPort.postMessage({ failed: String(error && error.message ? error.message : error) });
let fd;
try {
  fd = fs.openSync(file, 'w');
} catch (error) {
  failed(error);
}
let slot = 0;
let batch = [];
let stopped = false;
let timer;
const probe = () => {
  if (stopped) return;
  const atMs = Date.now();
  const start = process.hrtime.bigint();
  try {
    fs.writeSync(fd, block, 0, bytes, slot * bytes);
    fs.fdatasyncSync(fd);
  } catch (error) {
    stopped = true;
    failed(error);
    return;
  }
  batch.push(atMs, Number(process.hrtime.bigint() - start) / 1e6);
  slot = (slot + 1) % slots;
  timer = setTimeout(probe, Math.max(0, intervalMs - (Date.now() - atMs)));
};
const flush = () => {
  if (batch.length > 0) parentPort.postMessage({ samples: batch });
  batch = [];
};
// Without a file there is nothing to measure: the worker ends and the owner reads why from 'failed'.
if (fd !== undefined) {
  const flusher = setInterval(flush, 1000);
  parentPort.on('message', () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(flusher);
    flush();
    fs.closeSync(fd);
    try { fs.unlinkSync(file); } catch {}
    parentPort.postMessage('stopped');
  });
  parentPort.postMessage('ready');
  probe();
}
`;

interface WorkerReport {
  readonly samples?: readonly number[];
  readonly failed?: string;
}

/**
 * Times a small write and `fdatasync` in the services' data folder every
 * 100 ms, on a worker thread, for as long as a smoke run lasts.
 *
 * Why: every send's answer waits for its commit's sync, so a disk that stalls
 * stalls every send behind it. On the shared VMs this suite runs on, a lone
 * 4 KiB sync on an otherwise idle machine took 0.3 ms at the median and, a
 * few times a minute, 100–600 ms (docs/smoke.md, "Disk stalls"): each one
 * shows as a second of slow sends that no change to the services can
 * remove. The probe puts those stalls in the report beside the latency they
 * cause, so a failed nightly says whether the code or the host's disk was
 * slow. It is context, not an objective: a stall neither fails nor
 * invalidates a run. Ten small syncs a second are a few percent of the
 * syncs the services' commits make at the soak's rate.
 */
export class DiskSyncProbe {
  private readonly samples: DiskSyncSample[] = [];
  private failure: string | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    readonly intervalMs: number,
  ) {
    worker.once('exit', () => {
      this.exited = true;
    });
    worker.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      const report = message as WorkerReport;
      if (report.failed !== undefined) this.failure = report.failed;
      const flat = report.samples ?? [];
      for (let i = 0; i + 1 < flat.length; i += 2) this.samples.push({ atMs: flat[i] ?? 0, ms: flat[i + 1] ?? 0 });
    });
  }

  /** Starts probing `directory` (resolves once the worker runs, or has failed: see `problem`). */
  static async start(directory: string, options: DiskSyncProbeOptions = {}): Promise<DiskSyncProbe> {
    const intervalMs = options.intervalMs ?? 100;
    const workerData = { file: join(directory, PROBE_FILE), intervalMs, bytes: options.bytes ?? 4096, slots: SLOTS };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    // The probe never keeps the CLI alive on its own.
    worker.unref();
    const probe = new DiskSyncProbe(worker, intervalMs);
    await untilWorkerMessage(worker, (m) => m === 'ready' || (typeof m === 'object' && m !== null && 'failed' in m));
    return probe;
  }

  /** Why the probe stopped measuring (the file could not be opened or written), if it did. */
  get problem(): string | undefined {
    return this.failure;
  }

  /** Samples whose sync started between two wall-clock times (inclusive). */
  between(fromMs: number, toMs: number): DiskSyncSample[] {
    return this.samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  }

  /** Stops probing, keeps what was measured and removes the probe's file. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const stopped = untilWorkerMessage(this.worker, (m) => m === 'stopped');
    this.worker.postMessage('stop');
    await stopped;
    await this.worker.terminate();
  }
}
