import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PeriodicTask } from '@sanctum/kernel';
import type { FastifyBaseLogger } from 'fastify';
import { SEGMENT_HEADER_BYTES, parseSegmentName, pidOfHeader, sealedSegmentName } from './blob-files.js';

/**
 * An open segment without a whole header this old was left by a writer that
 * died between creating it and writing its first 16 bytes (a live one does
 * both within microseconds); nothing can refer to it.
 */
const HEADERLESS_AFTER_MS = 60_000;

export interface BlobCollectorOptions {
  readonly directory: string;
  /** True while some envelope still refers to the segment. */
  readonly isReferenced: (segment: number) => Promise<boolean>;
  readonly intervalMs: number;
  /** Whether a process runs (tests pass their own). */
  readonly isAlive?: (pid: number) => boolean;
  /** Milliseconds since the epoch (tests pass their own). */
  readonly clock?: () => number;
  readonly logger?: Pick<FastifyBaseLogger, 'warn' | 'debug'>;
  /** Told after each pass what it deleted and what the directory still holds (metrics). */
  readonly onPass?: (pass: CollectorPass) => void;
}

export interface CollectorPass {
  readonly deleted: number;
  /** Segment files left, open or sealed, and their bytes. */
  readonly files: number;
  readonly bytes: number;
}

/**
 * Deletes segment files no envelope refers to any more. Only sealed segments
 * are candidates: nothing is ever appended to them again, so once no row
 * refers to one, none ever will. An open segment whose header names a
 * process that no longer runs (a crash) is sealed first; one of a live
 * process, this one included, is left to its writer. A reused pid only
 * delays that, never deletes bytes in use. Several processes sharing the file may all collect: a segment
 * already deleted by another is simply gone.
 */
export class BlobCollector {
  private readonly task: PeriodicTask;
  private readonly isAlive: (pid: number) => boolean;

  constructor(private readonly options: BlobCollectorOptions) {
    this.isAlive = options.isAlive ?? processIsAlive;
    this.task = new PeriodicTask('collecting ciphertext segments', options.intervalMs, () => this.collectOnce(), options.logger);
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One pass; returns the segments deleted. */
  async collectOnce(): Promise<number[]> {
    const { directory } = this.options;
    const names = await readdir(directory).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    const sealed: number[] = [];
    for (const name of names) {
      const file = parseSegmentName(name);
      if (file === undefined) continue;
      if (file.sealed) sealed.push(file.segment);
      else if (await this.writerIsGone(join(directory, name))) {
        await ignoreMissing(rename(join(directory, name), join(directory, sealedSegmentName(file.segment))));
        sealed.push(file.segment);
      }
    }
    const deleted: number[] = [];
    for (const segment of sealed) {
      if (await this.options.isReferenced(segment)) continue;
      await ignoreMissing(unlink(join(directory, sealedSegmentName(segment))));
      deleted.push(segment);
    }
    if (deleted.length > 0) this.options.logger?.debug({ segments: deleted }, 'deleted ciphertext segments no envelope refers to');
    if (this.options.onPass !== undefined) this.options.onPass({ deleted: deleted.length, ...(await usage(directory)) });
    return deleted;
  }

  /** Whether an open segment's writer has ended: its process is gone, or it died before writing the header. */
  private async writerIsGone(path: string): Promise<boolean> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      // Sealed by its writer since the directory was read: the next pass sees it as such.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(SEGMENT_HEADER_BYTES), 0, SEGMENT_HEADER_BYTES, 0);
      const pid = pidOfHeader(buffer.subarray(0, bytesRead));
      if (pid === undefined) return (this.options.clock ?? Date.now)() - (await handle.stat()).mtimeMs > HEADERLESS_AFTER_MS;
      return pid !== process.pid && !this.isAlive(pid);
    } finally {
      await handle.close();
    }
  }
}

/** How many segment files the directory holds, and their bytes. */
async function usage(directory: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const name of await readdir(directory).catch(() => [])) {
    if (parseSegmentName(name) === undefined) continue;
    const size = await stat(join(directory, name)).then(
      (stats) => stats.size,
      () => undefined, // deleted or sealed meanwhile: counted at the next pass
    );
    if (size === undefined) continue;
    files += 1;
    bytes += size;
  }
  return { files, bytes };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ignoreMissing(operation: Promise<void>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
