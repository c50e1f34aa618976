import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { openSegmentName, sealedSegmentName } from './blob-files.js';
import type { BlobRef } from './blob-files.js';

/**
 * Reads ciphertexts back from segment files (a queue read: a device catching
 * up, a poll). Live pushes never come here: they carry the bytes the send
 * itself brought.
 */
export class BlobReader {
  constructor(private readonly directory: string) {}

  /**
   * The bytes of each reference, in order; undefined where the segment is
   * gone, which happens only once no envelope refers to it any more (the
   * envelope was acknowledged or expired after the caller read its row).
   */
  async readAll(refs: readonly BlobRef[]): Promise<(Buffer | undefined)[]> {
    const handles = new Map<number, FileHandle | undefined>();
    try {
      const results: (Buffer | undefined)[] = [];
      for (const ref of refs) {
        if (!handles.has(ref.segment)) handles.set(ref.segment, await this.openSegment(ref.segment));
        const handle = handles.get(ref.segment);
        results.push(handle === undefined ? undefined : await readExactly(handle, ref));
      }
      return results;
    } finally {
      for (const handle of handles.values()) await handle?.close();
    }
  }

  /** The segment's file, sealed or still being written: sealed (renamed) between the two looks, the third finds it. */
  private async openSegment(segment: number): Promise<FileHandle | undefined> {
    const sealed = join(this.directory, sealedSegmentName(segment));
    return (await openIfPresent(sealed)) ?? (await openIfPresent(join(this.directory, openSegmentName(segment)))) ?? (await openIfPresent(sealed));
  }
}

async function openIfPresent(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readExactly(handle: FileHandle, ref: BlobRef): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(ref.length);
  let done = 0;
  while (done < ref.length) {
    const { bytesRead } = await handle.read(bytes, done, ref.length - done, ref.offset + done);
    // A committed reference lies inside bytes synced before its commit, so the file cannot end early.
    if (bytesRead === 0) throw new Error(`segment ${ref.segment} ends before ${ref.offset + ref.length}`);
    done += bytesRead;
  }
  return bytes;
}
