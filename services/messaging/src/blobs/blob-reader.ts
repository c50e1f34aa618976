import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openSegmentName, sealedSegmentName } from './blob-files.js';
import type { BlobRef } from './blob-files.js';

/**
 * Reads ciphertexts back from segment files (a queue read: a device catching
 * up, a poll). Live pushes never come here: they carry the bytes the send
 * itself brought.
 *
 * Synchronous on purpose, like the SQLite reads beside it: the bytes were
 * written moments or minutes ago and are nearly always in the page cache, so
 * a read is one system call and a copy, where the asynchronous API costs a
 * hop to libuv's thread pool and back per read, dearer on this project's VMs
 * than the read itself (docs/benchmarks.md, "Large ciphertexts in segment
 * files").
 */
export class BlobReader {
  constructor(private readonly directory: string) {}

  /**
   * The bytes of each reference, in order; undefined where the segment is
   * gone, which happens only once no envelope refers to it any more (the
   * envelope was acknowledged or expired after the caller read its row).
   */
  readAll(refs: readonly BlobRef[]): (Buffer | undefined)[] {
    const files = new Map<number, number | undefined>();
    try {
      return refs.map((ref) => {
        if (!files.has(ref.segment)) files.set(ref.segment, this.openSegment(ref.segment));
        const fd = files.get(ref.segment);
        return fd === undefined ? undefined : readExactly(fd, ref);
      });
    } finally {
      for (const fd of files.values()) if (fd !== undefined) closeSync(fd);
    }
  }

  /** The segment's file, sealed or still being written: sealed (renamed) between the two looks, the third finds it. */
  private openSegment(segment: number): number | undefined {
    const sealed = join(this.directory, sealedSegmentName(segment));
    return openIfPresent(sealed) ?? openIfPresent(join(this.directory, openSegmentName(segment))) ?? openIfPresent(sealed);
  }
}

function openIfPresent(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readExactly(fd: number, ref: BlobRef): Buffer {
  const bytes = Buffer.allocUnsafe(ref.length);
  let done = 0;
  while (done < ref.length) {
    const read = readSync(fd, bytes, done, ref.length - done, ref.offset + done);
    // A committed reference lies inside bytes synced before its commit, so the file cannot end early.
    if (read === 0) throw new Error(`segment ${ref.segment} ends before ${ref.offset + ref.length}`);
    done += read;
  }
  return bytes;
}
