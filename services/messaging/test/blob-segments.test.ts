import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobAppender } from '../src/blobs/blob-appender.js';
import { BlobCollector } from '../src/blobs/blob-collector.js';
import { openSegmentName, parseSegmentName, sealedSegmentName } from '../src/blobs/blob-files.js';
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

  it('names open segments with their writer’s pid and sealed ones without, and ignores other files', () => {
    expect(parseSegmentName(openSegmentName(17, 4242))).toEqual({ segment: 17, sealed: false, pid: 4242 });
    expect(parseSegmentName(sealedSegmentName(17))).toEqual({ segment: 17, sealed: true });
    expect(parseSegmentName('17.seg.tmp')).toBeUndefined();
    expect(parseSegmentName('notes.txt')).toBeUndefined();
  });

  it('writes a transaction’s ciphertexts only at its commit, and reads each back by its reference', async () => {
    const appender = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const first = appender.append(bytes(70_000, 1));
    const second = appender.append(bytes(20_000, 2));
    expect(first).toMatchObject({ offset: 0, length: 70_000 });
    expect(second).toEqual({ segment: first.segment, offset: 70_000, length: 20_000 });
    expect(existsSync(join(directory, openSegmentName(first.segment, process.pid)))).toBe(true);

    const reader = new BlobReader(directory);
    // Reserved, not yet written: nothing refers to these bytes until the commit.
    await expect(reader.readAll([first])).rejects.toThrow(/ends before/);
    appender.beforeCommit();
    appender.afterCommit();
    const [a, b] = await reader.readAll([first, second]);
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
    expect(next).toEqual({ segment: kept.segment, offset: 100, length: 300 });
    appender.beforeCommit();
    appender.afterCommit();
    const [a, b] = await new BlobReader(directory).readAll([kept, next]);
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
    expect(third.offset).toBe(0);
    appender.beforeCommit();
    appender.afterCommit();
    // Sealed or open, both read back.
    const read = await new BlobReader(directory).readAll([second, third]);
    expect(read.map((b) => b?.[0])).toEqual([2, 3]);
    appender.close();
    expect(readdirSync(directory).sort()).toEqual([sealedSegmentName(first.segment), sealedSegmentName(third.segment)].sort());
  });

  it('never gives two writers one segment, nor reuses the number of a segment already there', () => {
    const a = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const b = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const refA = a.append(bytes(1, 1));
    const refB = b.append(bytes(1, 2));
    expect(refB.segment).toBeGreaterThan(refA.segment);
    a.close();
    b.close();
  });

  it('answers undefined for a reference whose segment is gone', async () => {
    expect(await new BlobReader(directory).readAll([{ segment: 5, offset: 0, length: 3 }])).toEqual([undefined]);
  });

  it('collects sealed segments nobody refers to, seals a dead process’s open ones, and leaves live writers alone', async () => {
    const appender = new BlobAppender({ directory, segmentBytes: 1 << 20 });
    const live = appender.append(bytes(10, 1));
    appender.beforeCommit();
    appender.afterCommit();
    writeFileSync(join(directory, sealedSegmentName(1)), 'unreferenced');
    writeFileSync(join(directory, sealedSegmentName(2)), 'still referenced');
    writeFileSync(join(directory, openSegmentName(3, 999_001)), 'a crashed writer’s, unreferenced');
    writeFileSync(join(directory, openSegmentName(4, 999_002)), 'a crashed writer’s, referenced');
    writeFileSync(join(directory, openSegmentName(5, 999_003)), 'another live process’s');
    writeFileSync(join(directory, 'notes.txt'), 'not a segment');
    const referenced = new Set([2, 4]);
    const collector = new BlobCollector({
      directory,
      intervalMs: 1000,
      isReferenced: (segment) => Promise.resolve(referenced.has(segment)),
      isAlive: (pid) => pid === 999_003,
    });

    expect((await collector.collectOnce()).sort()).toEqual([1, 3]);
    expect(readdirSync(directory).sort()).toEqual(
      [sealedSegmentName(2), sealedSegmentName(4), openSegmentName(5, 999_003), openSegmentName(live.segment, process.pid), 'notes.txt'].sort(),
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
