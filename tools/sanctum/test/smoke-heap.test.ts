import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMOKE_NODE_FLAGS, runRelaunched, smokeHeapRelaunchArgs, smokeRelaunchArgs } from '../src/lib/process/smoke-heap.js';

describe('the smoke command relaunched with a larger young generation', () => {
  it('relaunches smoke with the flag after node’s own arguments, and nothing else', () => {
    expect(smokeRelaunchArgs(['/usr/bin/node', '/repo/bin.js', 'smoke', '--duration', '5'], ['--stack-size=900'], undefined)).toEqual([
      '--stack-size=900',
      ...SMOKE_NODE_FLAGS,
      '/repo/bin.js',
      'smoke',
      '--duration',
      '5',
    ]);
    expect(smokeRelaunchArgs(['/usr/bin/node', '/repo/bin.js', 'nightly'], [], undefined)).toBeUndefined();
    expect(smokeRelaunchArgs(['/usr/bin/node', '/repo/bin.js'], [], undefined)).toBeUndefined();
  });

  it('does not relaunch a process that already sets the size: the relaunched one, or a user’s choice in either spelling', () => {
    const argv = ['/usr/bin/node', '/repo/bin.js', 'smoke'];
    expect(smokeRelaunchArgs(argv, [...SMOKE_NODE_FLAGS], undefined)).toBeUndefined();
    expect(smokeRelaunchArgs(argv, ['--max_semi_space_size=8'], undefined)).toBeUndefined();
    expect(smokeRelaunchArgs(argv, [], '--enable-source-maps --max-semi-space-size=32')).toBeUndefined();
    expect(smokeRelaunchArgs(argv, [], '--enable-source-maps')).toEqual([...SMOKE_NODE_FLAGS, '/repo/bin.js', 'smoke']);
  });

  it('relaunches any script with the flags (the benchmarks measure the generator as smoke runs it), once', () => {
    expect(smokeHeapRelaunchArgs(['/usr/bin/node', '/repo/bench/generator-vs-wrk.mjs', '--x'], [], undefined)).toEqual([
      ...SMOKE_NODE_FLAGS,
      '/repo/bench/generator-vs-wrk.mjs',
      '--x',
    ]);
    expect(smokeHeapRelaunchArgs(['/usr/bin/node', '/repo/bench/generator-vs-wrk.mjs'], [...SMOKE_NODE_FLAGS], undefined)).toBeUndefined();
  });

  it('resolves with the child’s exit code, or 128 + the signal that ended it', async () => {
    expect(await runRelaunched(['-e', 'process.exit(3)'])).toBe(3);
    expect(await runRelaunched(['-e', "process.kill(process.pid, 'SIGKILL')"])).toBe(137);
  });

  it('passes a stop signal on to the child, whose own handling decides the exit code', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const dir = await mkdtemp(join(tmpdir(), 'smoke-heap-'));
    const ready = join(dir, 'ready');
    try {
      // The child says when its handler is in place (its output is this process's), then waits to be stopped.
      const script = `process.on('SIGTERM', () => process.exit(43)); require('node:fs').writeFileSync(${JSON.stringify(ready)}, ''); setTimeout(() => process.exit(9), 60000);`;
      const child = runRelaunched(['-e', script]);
      await until(() => existsSync(ready));
      // process.emit runs the listeners without a real signal, so the test runner is never at risk.
      process.emit('SIGTERM', 'SIGTERM');
      expect(await child).toBe(43);
      expect(process.listenerCount('SIGTERM')).toBe(listeners);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the child never said it was ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
