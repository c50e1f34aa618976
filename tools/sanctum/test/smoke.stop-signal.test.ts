import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SMOKE_NODE_FLAGS } from '../src/lib/process/smoke-heap.js';
import { repoRoot } from '../src/lib/repo-root.js';
import type { SmokeResult } from '../src/lib/smoke-result.js';
import { testSloFile } from './helpers/slo-file.js';

// The built CLI as a process of its own (test/global-setup.ts builds it), with
// the three real services it starts on 127.0.0.1: a few seconds.
const BIN = join(repoRoot(), 'tools', 'sanctum', 'dist', 'bin.js');

let leftovers: number[] = [];
let dir: string | undefined;
afterEach(async () => {
  // Only when the test failed: never leave its services running on the machine.
  for (const pid of leftovers.filter(alive)) process.kill(pid, 'SIGKILL');
  leftovers = [];
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The processes whose parent is `pid` (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(join('/proc', entry, 'stat'), 'utf8').catch(() => '');
    // The fields after the command name in parentheses: state, then the parent's pid.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === pid) children.push(Number(entry));
  }
  return children;
}

async function commandLine(pid: number): Promise<string[]> {
  return (await readFile(join('/proc', String(pid), 'cmdline'), 'utf8')).split('\0').filter((word) => word !== '');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('sanctum smoke stopped by a signal (the built CLI, real services)', () => {
  it('on SIGTERM in the middle of a scenario stops every service it started, writes a failed result and exits 143', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smoke-stop-signal-'));
    const out = join(dir, 'out');
    const args = ['smoke', '--scenarios', 'load-1k', '--duration', '60', '--target-rps', '20', '--target', 'readyz', '--out', out, '--slo', await testSloFile(dir)];
    const cli = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      cli.once('exit', (code, killedBy) => {
        resolve({ code, signal: killedBy });
      });
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    createInterface({ input: cli.stderr }).on('line', (line) => stderr.push(line));

    // The CLI names each service's pid once they are up; the signal comes once the scenario is under way.
    const pids = await new Promise<number[]>((resolve, reject) => {
      createInterface({ input: cli.stdout }).on('line', (line) => {
        stdout.push(line);
        if (line.startsWith('Up: ')) leftovers = [...line.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
        if (line.startsWith('[load-1k] 20 req/s for 60 s')) resolve(leftovers);
      });
      void exited.then(() => {
        reject(new Error(`the CLI ended before the scenario started:\n${[...stdout, ...stderr].join('\n')}`));
      });
    });
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    // The command runs in a relaunched process with the generator's larger young generation (lib/process/smoke-heap.ts).
    const relaunched = await childrenOf(cli.pid ?? 0);
    expect(relaunched).toHaveLength(1);
    expect(await commandLine(relaunched[0] ?? 0)).toEqual([process.execPath, ...SMOKE_NODE_FLAGS, BIN, ...args]);

    const sentAt = performance.now();
    cli.kill('SIGTERM');
    // Not killed by the signal: the CLI handled it and chose its exit code (128 + 15).
    expect(await exited).toEqual({ code: 143, signal: null });
    expect(performance.now() - sentAt).toBeLessThan(10_000);
    expect(pids.filter(alive)).toEqual([]);

    expect(stdout).toContain('SIGTERM: stopping the services and writing what was measured…');
    expect(stdout).toContain('  the run could not complete: interrupted by SIGTERM');
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as SmokeResult;
    // Its own shutdown of the services is not reported as crashes.
    expect(result).toMatchObject({ passed: false, error: 'interrupted by SIGTERM', crashes: [], scenarios: [] });
    expect(result.notRun).toEqual([{ scenario: 'load-1k', reason: 'interrupted by SIGTERM' }]);
    expect(await readFile(join(out, 'logs', 'messaging.log'), 'utf8')).toContain('"msg":"shutting down"');
  }, 90_000);
});
