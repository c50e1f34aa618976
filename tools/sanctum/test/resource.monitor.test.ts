import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createSampler, parseCpuTime, parseProc, parsePs } from '../src/lib/load/process.sampler.js';
import type { ProcessSampler } from '../src/lib/load/process.sampler.js';
import { ResourceMonitor } from '../src/lib/load/resource.monitor.js';

let children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children = [];
});

/** A child that spins one core (busy) or sleeps (idle), with its exit as a promise. */
function child(kind: 'busy' | 'idle'): { pid: number; exited: Promise<number | string>; process: ChildProcess } {
  const code = kind === 'busy' ? 'for(;;){}' : 'setInterval(() => {}, 1000)';
  const process_ = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  children.push(process_);
  const exited = new Promise<number | string>((resolve) => process_.once('exit', (c, s) => { resolve(c ?? s ?? 'unknown'); }));
  return { pid: process_.pid!, exited, process: process_ };
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('process sampling', () => {
  it('parses /proc stat and status, with spaces and parentheses in the command name', () => {
    const stat = '1234 (node (a) b) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 98765 1000000 2000 18446744073709551615';
    const status = 'Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t11\n';
    expect(parseProc(stat, status, 100)).toEqual({ cpuSeconds: 3, rssBytes: 51200 * 1024, startedAt: '98765' });
    expect(parseProc(stat.replace(') S ', ') Z '), status, 100)).toBeNull();
    expect(parseProc(stat, 'Name:\tnode\n', 100)).toBeNull();
  });

  it('parses ps output on Linux and BSD', () => {
    expect(parsePs('  4116 00:01:02 Mon Nov 30 08:50:00 2025\n')).toEqual({ rssBytes: 4116 * 1024, cpuSeconds: 62, startedAt: 'Mon Nov 30 08:50:00 2025' });
    expect(parsePs('4116 0:01.50 Mon Nov 30 08:50:00 2025')?.cpuSeconds).toBe(1.5);
    expect(parsePs('')).toBeNull();
    expect(parsePs('12 soon Mon')).toBeNull();
    expect(parseCpuTime('2-01:00:05')).toBe(2 * 86_400 + 3605);
  });

  for (const source of ['proc', 'ps'] as const) {
    it(`reads the CPU time of a busy process growing and an idle one's staying near zero (${source})`, async () => {
      const sampler = await createSampler(source);
      expect(sampler.source).toBe(source);
      const busy = child('busy');
      const idle = child('idle');
      // ps reports CPU time in whole seconds on Linux: wait until the busy one has used at least one.
      let busySample = await sampler.sample(busy.pid);
      for (let i = 0; i < 300 && (busySample?.cpuSeconds ?? 0) < 1; i += 1) {
        await new Promise((r) => setTimeout(r, 100));
        busySample = await sampler.sample(busy.pid);
      }
      const idleSample = await sampler.sample(idle.pid);
      expect(busySample!.cpuSeconds).toBeGreaterThanOrEqual(1);
      expect(idleSample!.cpuSeconds).toBeLessThan(busySample!.cpuSeconds);
      expect(idleSample!.rssBytes).toBeGreaterThan(1_000_000);
      busy.process.kill('SIGKILL');
      await busy.exited;
      expect(await sampler.sample(busy.pid)).toBeNull();
    });
  }
});

describe('resource monitor', () => {
  it('samples every interval and reports a service that exits as a crash', async () => {
    const service = child('idle');
    const crashes: string[] = [];
    const monitor = new ResourceMonitor([{ name: 'messaging', pid: service.pid, exited: service.exited }], {
      intervalMs: 100,
      onCrash: (crash) => crashes.push(`${crash.service}: ${crash.exit}`),
    });
    await monitor.start();
    expect(monitor.source).toBeDefined();
    await until(() => (monitor.between(0, Date.now() + 1000).get('messaging')?.length ?? 0) >= 3);
    service.process.kill('SIGKILL');
    await until(() => crashes.length > 0);
    await monitor.stop();
    expect(crashes).toEqual([expect.stringMatching(/^messaging: (exited \(SIGKILL\)|the process is gone)$/)]);
    expect(monitor.crashes()).toHaveLength(1);
  });

  it('notices a process given by pid that disappears, and one that was restarted under the same pid', async () => {
    const gone = child('idle');
    let started = 'first';
    const sampler: ProcessSampler = { source: 'proc', sample: async () => ({ cpuSeconds: 1, rssBytes: 1, startedAt: started }) };
    const restarted = new ResourceMonitor([{ name: 'auth', pid: 1 }], { intervalMs: 50, sampler });
    const external = new ResourceMonitor([{ name: 'directory', pid: gone.pid }], { intervalMs: 50 });
    await restarted.start();
    await external.start();
    started = 'second';
    gone.process.kill('SIGKILL');
    await until(() => restarted.crashes().length > 0 && external.crashes().length > 0);
    await restarted.stop();
    await external.stop();
    expect(restarted.crashes()[0]?.exit).toContain('restarted');
    expect(external.crashes()[0]?.exit).toBe('the process is gone');
  });

  it('does not count exits after it was stopped (the run shutting the services down)', async () => {
    const service = child('idle');
    const monitor = new ResourceMonitor([{ name: 'auth', pid: service.pid, exited: service.exited }], { intervalMs: 100 });
    await monitor.start();
    await monitor.stop();
    service.process.kill('SIGTERM');
    await service.exited;
    expect(monitor.crashes()).toEqual([]);
  });
});
