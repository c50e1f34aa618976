import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSyncProbe } from '../src/lib/load/disk-sync.probe.js';
import { DISK_STALL_MS, slowestSyncBySecond, summarizeDiskSyncs } from '../src/lib/load/disk-sync.summary.js';

describe('DiskSyncProbe', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('times real writes and syncs in the folder on a worker thread, then removes its file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'disk-probe-'));
    dirs.push(dir);
    const before = Date.now();
    const probe = await DiskSyncProbe.start(dir, { intervalMs: 10 });
    expect(probe.problem).toBeUndefined();
    expect(await readdir(dir)).toEqual(['.sanctum-disk-probe']);
    // The worker reports once a second; wait for two reports rather than a fixed time.
    await expect.poll(() => probe.between(before, Date.now()).length, { timeout: 10_000, interval: 100 }).toBeGreaterThan(5);
    await probe.stop();
    const samples = probe.between(before, Date.now());
    expect(samples.every((s) => s.atMs >= before && s.ms > 0 && s.ms < 10_000)).toBe(true);
    // In start order, one at a time: never closer than the interval allows.
    for (let i = 1; i < samples.length; i += 1) expect(samples[i]!.atMs).toBeGreaterThanOrEqual(samples[i - 1]!.atMs);
    expect(await readdir(dir)).toEqual([]);
    // Stopped means stopped: a second stop is harmless and nothing more arrives.
    const count = probe.between(0, Infinity).length;
    await probe.stop();
    expect(probe.between(0, Infinity)).toHaveLength(count);
  });

  it('says why when it cannot write in the folder, and stops cleanly', async () => {
    const missing = join(tmpdir(), `no-such-dir-${process.pid}-${Date.now()}`, 'deeper');
    const probe = await DiskSyncProbe.start(missing, { intervalMs: 10 });
    expect(probe.problem).toMatch(/ENOENT/);
    await probe.stop();
    expect(probe.between(0, Infinity)).toEqual([]);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('disk sync summaries', () => {
  const start = 1_700_000_000_000;
  const samples = [
    ...Array.from({ length: 97 }, (_, i) => ({ atMs: start + i * 100, ms: 0.3 + (i % 3) * 0.1 })),
    { atMs: start + 2_450, ms: 351.04 },
    { atMs: start + 7_300, ms: 120 },
    { atMs: start + 8_100, ms: 45 },
  ];

  it('give the spread, count the stalls and list the slowest with the second they started in', () => {
    expect(summarizeDiskSyncs(samples, start, 100)).toEqual({
      probes: 100,
      intervalMs: 100,
      p50Ms: 0.4,
      p99Ms: 120,
      maxMs: 351.04,
      stallMs: DISK_STALL_MS,
      stalls: 2,
      worst: [
        { t: 2.5, ms: 351.04 },
        { t: 7.3, ms: 120 },
        { t: 8.1, ms: 45 },
        { t: 0.2, ms: 0.5 },
        { t: 0.5, ms: 0.5 },
      ],
    });
    expect(summarizeDiskSyncs([], start, 100)).toBeUndefined();
  });

  it('keep the slowest sync of each second for the timeline, ignoring syncs before the start', () => {
    const bySecond = slowestSyncBySecond([...samples, { atMs: start - 500, ms: 999 }], start);
    expect(bySecond.get(2)).toBe(351.04);
    expect(bySecond.get(7)).toBe(120);
    expect(bySecond.get(0)).toBe(0.5);
    expect(bySecond.has(-1)).toBe(false);
    expect([...bySecond.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
