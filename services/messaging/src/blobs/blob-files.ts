/**
 * Large ciphertexts live outside SQLite, in append-only segment files beside
 * the database (see BlobAppender for why). This module names those files and
 * reads their header.
 *
 * - `<n>.open`: a segment a writer appends to;
 * - `<n>.seg`: a sealed segment, never appended to again; deleted once no
 *   envelope refers to it (BlobCollector).
 *
 * `n` is what an envelope row stores. Each writer creates its `<n>.open`
 * exclusively, so `n` is unique across every process sharing the directory.
 * A segment begins with a header naming the process that writes it, so
 * another process can tell a crashed writer's segment from a live one.
 */

/** Where one ciphertext is: segment number, byte offset and length. */
export interface BlobRef {
  readonly segment: number;
  readonly offset: number;
  readonly length: number;
}

/** The segment directory of a SQLite file. */
export function blobDirectoryOf(databaseFile: string): string {
  return `${databaseFile}.blobs`;
}

export function openSegmentName(segment: number): string {
  return `${segment}.open`;
}

export function sealedSegmentName(segment: number): string {
  return `${segment}.seg`;
}

export interface SegmentFile {
  readonly segment: number;
  readonly sealed: boolean;
}

const SEGMENT_FILE = /^(\d+)\.(open|seg)$/;

/** What a directory entry is, or undefined for anything that is not a segment. */
export function parseSegmentName(name: string): SegmentFile | undefined {
  const match = SEGMENT_FILE.exec(name);
  if (match === null) return undefined;
  return { segment: Number(match[1]), sealed: match[2] === 'seg' };
}

const MAGIC = Buffer.from('SNCTBLB1', 'latin1');

/** Bytes before a segment's first ciphertext: the magic, the writer's pid (u32 LE), 4 bytes reserved. */
export const SEGMENT_HEADER_BYTES = 16;

export function segmentHeader(pid: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(pid, MAGIC.length);
  return header;
}

/** The writer's pid from a segment's first bytes; undefined if they are not a whole header. */
export function pidOfHeader(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < SEGMENT_HEADER_BYTES) return undefined;
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return header.readUInt32LE(MAGIC.length);
}
