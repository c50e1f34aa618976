/**
 * Large ciphertexts live outside SQLite, in append-only segment files beside
 * the database (see BlobAppender for why). This module names those files.
 *
 * - `<n>.<pid>.open`: the segment a writer in process `pid` appends to;
 * - `<n>.seg`: a sealed segment, never appended to again; deleted once no
 *   envelope refers to it (BlobCollector).
 *
 * `n` is unique in the directory (each writer creates its file exclusively)
 * and is what an envelope row stores; the pid in an open segment's name lets
 * another process tell a crashed writer's segment from a live one.
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

export function openSegmentName(segment: number, pid: number): string {
  return `${segment}.${pid}.open`;
}

export function sealedSegmentName(segment: number): string {
  return `${segment}.seg`;
}

export type SegmentFile = { readonly segment: number; readonly sealed: true } | { readonly segment: number; readonly sealed: false; readonly pid: number };

const SEGMENT_FILE = /^(\d+)(?:\.(\d+)\.open|\.seg)$/;

/** What a directory entry is, or undefined for anything that is not a segment. */
export function parseSegmentName(name: string): SegmentFile | undefined {
  const match = SEGMENT_FILE.exec(name);
  if (match === null) return undefined;
  const segment = Number(match[1]);
  return match[2] === undefined ? { segment, sealed: true } : { segment, sealed: false, pid: Number(match[2]) };
}
