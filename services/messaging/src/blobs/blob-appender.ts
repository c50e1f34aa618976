import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import type { TransactionHooks } from '../store/group-commit.js';
import { SEGMENT_HEADER_BYTES, openSegmentName, parseSegmentName, sealedSegmentName, segmentHeader } from './blob-files.js';
import type { BlobRef } from './blob-files.js';

export interface BlobAppenderOptions {
  readonly directory: string;
  /** A segment is sealed, and the next one begun, after the first commit that takes it past this size. */
  readonly segmentBytes: number;
  /** The process id written into each segment's header (tests pass others). */
  readonly pid?: number;
}

/**
 * Appends large ciphertexts to a segment file for one writer (the event
 * loop's or the writer thread's), in step with its transactions.
 *
 * Why not in SQLite: a 64 KiB ciphertext there is 16 overflow pages, each
 * written to the WAL as two `pwrite`s (frame header, page) and later copied
 * into the database by the checkpoint: about 50 system calls per send, and a
 * WAL that a burst of them fills up (docs/benchmarks.md, "64 KiB sends at the
 * edge of capacity"). Here a whole transaction's ciphertexts are one
 * `writev` and one `fdatasync`, and the row keeps only where they are.
 *
 * The order makes it durable: the bytes are written and synced before the
 * transaction that refers to them commits (`beforeCommit`), so a committed
 * reference always finds its bytes. Bytes of a job or transaction that did
 * not commit stay in the file unreferenced and go with their segment.
 */
export class BlobAppender implements TransactionHooks {
  private readonly pid: number;
  private fd: number | undefined;
  private segment = 0;
  /** Bytes in the segment, counting those appended in this transaction and not yet written. */
  private size = 0;
  /** Bytes in the segment that are written and synced. */
  private written = 0;
  private pending: Uint8Array[] = [];

  constructor(private readonly options: BlobAppenderOptions) {
    this.pid = options.pid ?? process.pid;
  }

  /** Reserves the bytes' place in the current segment; they are written at `beforeCommit`. */
  append(bytes: Uint8Array): BlobRef {
    if (this.fd === undefined) this.begin();
    const ref = { segment: this.segment, offset: this.size, length: bytes.byteLength };
    this.pending.push(bytes);
    this.size += bytes.byteLength;
    return ref;
  }

  /** Writes and syncs what this transaction appended; throws (and the transaction rolls back) if the disk refuses. */
  beforeCommit(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    writeAll(this.fd, this.pending, this.written);
    fdatasyncSync(this.fd);
    this.pending = [];
    this.written = this.size;
  }

  /** Seals a full segment once everything referring to it has committed. */
  afterCommit(): void {
    if (this.size < this.options.segmentBytes) return;
    try {
      this.seal();
    } catch {
      // The segment keeps its open name; the collector seals it once this process has ended.
      // Either way the next append begins a new segment.
    }
  }

  /** Forgets this transaction's reservations: nothing refers to them. */
  afterRollback(): void {
    this.pending = [];
    this.size = this.written;
  }

  /** Seals the current segment (shutdown); the collector deletes it once no envelope refers to it. */
  close(): void {
    this.afterRollback();
    this.seal();
  }

  private begin(): void {
    mkdirSync(this.options.directory, { recursive: true });
    // Numbers grow with time and past every file present, so one is never reused: a reader holding
    // an old reference finds no file rather than another segment's bytes.
    let segment = Math.max(Date.now(), highestSegment(this.options.directory) + 1);
    let fd: number;
    for (;;) {
      try {
        fd = openSync(join(this.options.directory, openSegmentName(segment)), 'wx');
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        segment += 1;
      }
    }
    // Synced with the first commit's ciphertexts; until then nothing refers to the file.
    writeSync(fd, segmentHeader(this.pid), 0, SEGMENT_HEADER_BYTES, 0);
    // The new name must survive a power cut as surely as the bytes synced into the file.
    syncDirectory(this.options.directory);
    this.fd = fd;
    this.segment = segment;
    this.size = SEGMENT_HEADER_BYTES;
    this.written = SEGMENT_HEADER_BYTES;
  }

  private seal(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
    // Lost in a crash, the rename is redone by the collector, which seals a dead process's open segments.
    renameSync(join(this.options.directory, openSegmentName(this.segment)), join(this.options.directory, sealedSegmentName(this.segment)));
  }
}

function highestSegment(directory: string): number {
  let highest = 0;
  for (const name of readdirSync(directory)) highest = Math.max(highest, parseSegmentName(name)?.segment ?? 0);
  return highest;
}

/** One `writev` for the whole list; a short write (rare on a local file) is finished with plain writes. */
function writeAll(fd: number, chunks: readonly Uint8Array[], position: number): void {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  let done = writevSync(fd, chunks, position);
  if (done === total) return;
  const rest = Buffer.concat(chunks).subarray(done);
  while (done < total) done += writeSync(fd, rest, done - (total - rest.byteLength), total - done, position + done);
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
