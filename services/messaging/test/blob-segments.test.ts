import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobAppender } from '../src/blobs/blob-appender.js';
import { BlobCollector } from '../src/blobs/blob-collector.js';
import { SEGMENT_HEADER_BYTES, openSegmentName, parseSegmentName, pidOfHeader, sealedSegmentName, segmentHeader } from '../src/blobs/blob-files.js';
import { BlobReader } from '../src/blobs/blob-reader.js';

const bytes = (length: number, fill: number): Buffer => Buffer.alloc(length, fill);

describe('ciphertext segment files', () => {
  let directory: string;
  beforeEach(() => {
    directory = join(mkdtempSync(join(tmpdir(), 'sanctum-blobs-')), 'messaging.sqlite.blobs');
  });
  afterEach(() => {
    rmSync(join(directory, '..'), { recursive: true, force: true });
  });

  it('names open and sealed segments, ignores other files, and reads the writer’s pid from a whole header only', () => {
    expect(parseSegmentName(openSegmentName(17))).toEqual({ segment: 17, sealed: false });
    expect(parseSegmentName(sealedSegmentName(17))).toEqual({ segment: 17, sealed: true });
    expect(parseSegmentName('17.seg.tmp')).toBeUndefined();
    expect(parseSegmentName('notes.txt')).toBeUndefined();
    expect(pidOfHeader(segmentHeader(4242))).toBe(4242);
    expect(pidOfHeader(segmentHeader(4242).subarray(0, SEGMENT_HEADER_BYTES - 1))).toBeUndefined();
    expect(pidOfHeader(Buffer.alloc(SEGMENT_HEADER_BYTES))).toBeUndefined();
  });

  it('writes a transaction’s ciphertexts only at its commit, and reads each back by its reference', async () => {
    const appender = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const first = appender.append(bytes(70_000, 1));
    const second = appender.append(bytes(20_000, 2));
    expect(first).toMatchObject({ offset: SEGMENT_HEADER_BYTES, length: 70_000 });
    expect(second).toEqual({ segment: first.segment, offset: SEGMENT_HEADER_BYTES + 70_000, length: 20_000 });
    expect(existsSync(join(directory, openSegmentName(first.segment)))).toBe(true);

    const reader = new BlobReader(directory);
    // Reserved, not yet written: nothing refers to these bytes until the commit.
    expect(() => reader.readAll([first])).toThrow(/ends before/);
    appender.beforeCommit();
    appender.afterCommit();
    const [a, b] = reader.readAll([first, second]);
    expect(a?.equals(bytes(70_000, 1))).toBe(true);
    expect(b?.equals(bytes(20_000, 2))).toBe(true);
    appender.close();
  });

  it('gives a rolled-back transaction’s place to the next one', async () => {
    const appender = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const kept = appender.append(bytes(100, 1));
    appender.beforeCommit();
    appender.afterCommit();
    appender.append(bytes(500, 9));
    appender.afterRollback();
    const next = appender.append(bytes(300, 3));
    expect(next).toEqual({ segment: kept.segment, offset: SEGMENT_HEADER_BYTES + 100, length: 300 });
    appender.beforeCommit();
    appender.afterCommit();
    const [a, b] = new BlobReader(directory).readAll([kept, next]);
    expect(a?.equals(bytes(100, 1))).toBe(true);
    expect(b?.equals(bytes(300, 3))).toBe(true);
    appender.close();
  });

  it('seals a segment after the commit that fills it, then begins a new one with a higher number', async () => {
    const appender = new BlobAppender({ directory, segmentBytes: 1000 });
    const first = appender.append(bytes(600, 1));
    const second = appender.append(bytes(600, 2)); // the same transaction: the same segment
    appender.beforeCommit();
    appender.afterCommit();
    expect(second.segment).toBe(first.segment);
    expect(readdirSync(directory)).toEqual([sealedSegmentName(first.segment)]);
    const third = appender.append(bytes(10, 3));
    expect(third.segment).toBeGreaterThan(first.segment);
    expect(third.offset).toBe(SEGMENT_HEADER_BYTES);
    appender.beforeCommit();
    appender.afterCommit();
    // Sealed or open, both read back.
    const read = new BlobReader(directory).readAll([second, third]);
    expect(read.map((b) => b?.[0])).toEqual([2, 3]);
    appender.close();
    expect(readdirSync(directory).sort()).toEqual([sealedSegmentName(first.segment), sealedSegmentName(third.segment)].sort());
  });

  it('never gives two writers one segment, in one process or two, nor reuses the number of a segment already there', () => {
    const a = new BlobAppender({ directory, segmentBytes: 1 << 20, pid: 999_001 });
    const b = new BlobAppender({ directory, segmentBytes: 1 << 20, pid: 999_002 });
    const refA = a.append(bytes(1, 1));
    const refB = b.append(bytes(1, 2));
    expect(refB.segment).toBeGreaterThan(refA.segment);
    a.close();
    b.close();
  });

  it('answers undefined for a reference whose segment is gone', async () => {
    expect(new BlobReader(directory).readAll([{ segment: 5, offset: 0, length: 3 }])).toEqual([undefined]);
  });

  it('collects sealed segments nobody refers to, seals a dead process’s open ones, and leaves live writers alone', async () => {
    const appender = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const live = appender.append(bytes(10, 1));
    appender.beforeCommit();
    appender.afterCommit();
    const segment = (name: string, header: Buffer | undefined, text: string) => {
      writeFileSync(join(directory, name), Buffer.concat([header ?? Buffer.alloc(0), Buffer.from(text)]));
    };
    segment(sealedSegmentName(1), segmentHeader(999_001), 'unreferenced');
    segment(sealedSegmentName(2), segmentHeader(999_001), 'still referenced');
    segment(openSegmentName(3), segmentHeader(999_001), 'a crashed writer’s, unreferenced');
    segment(openSegmentName(4), segmentHeader(999_002), 'a crashed writer’s, referenced');
    segment(openSegmentName(5), segmentHeader(999_003), 'another live process’s');
    segment(openSegmentName(6), undefined, ''); // a writer that died before its header, long ago
    utimesSync(join(directory, openSegmentName(6)), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    segment(openSegmentName(7), undefined, ''); // a writer between creating its file and writing the header
    writeFileSync(join(directory, 'notes.txt'), 'not a segment');
    mkdirSync(join(directory, '8.seg.d'));
    const referenced = new Set([2, 4]);
    const collector = new BlobCollector({
      directory,
      intervalMs: 1000,
      isReferenced: (segment) => Promise.resolve(referenced.has(segment)),
      isAlive: (pid) => pid === 999_003,
    });

    expect((await collector.collectOnce()).sort()).toEqual([1, 3, 6]);
    expect(readdirSync(directory).sort()).toEqual(
      [sealedSegmentName(2), sealedSegmentName(4), openSegmentName(5), openSegmentName(7), openSegmentName(live.segment), 'notes.txt', '8.seg.d'].sort(),
    );
    referenced.clear();
    expect((await collector.collectOnce()).sort()).toEqual([2, 4]);
    appender.close();
    expect(await collector.collectOnce()).toEqual([live.segment]);
  });

  it('collects nothing, and fails nothing, before the first segment exists', async () => {
    const collector = new BlobCollector({ directory, intervalMs: 1000, isReferenced: () => Promise.resolve(false) });
    expect(await collector.collectOnce()).toEqual([]);
    collector.start();
    await collector.stop();
  });
});
