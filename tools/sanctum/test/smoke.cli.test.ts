import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerSmoke, toOptions } from '../src/commands/smoke/smoke.cli.js';
import type { CliContext } from '../src/lib/cli-context.js';
import { readyzProbeTarget } from '../src/lib/load/probe.target.js';
import type { StopSignal } from '../src/lib/process/stop-signal.js';
import { startReferenceServer } from './helpers/reference-server.js';
import type { ReferenceServer } from './helpers/reference-server.js';
import { testSloFile } from './helpers/slo-file.js';

let server: ReferenceServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function cli(interactive = false, onStopSignal?: CliContext['onStopSignal']) {
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const context: CliContext = {
    env: {},
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    exit: (code) => exits.push(code),
    interactive,
    ...(onStopSignal === undefined ? {} : { onStopSignal }),
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: (text) => err.push(text), writeOut: (text) => out.push(text) });
  registerSmoke(program, context);
  return { program, out, err, exits };
}

describe('sanctum smoke (CLI)', () => {
  it('prints the result as JSON with --json, progress on stderr, and exits 0 on a passing run', async () => {
    server = await startReferenceServer('fast');
    const dir = await mkdtemp(join(tmpdir(), 'smoke-cli-'));
    const { program, out, err, exits } = cli();
    await program.parseAsync(
      ['smoke', '--messaging-url', server.url, '--scenarios', 'load-1k', '--duration', '1', '--target-rps', '20', '--target', 'readyz', '--out', join(dir, 'out'), '--slo', await testSloFile(dir), '--json'],
      { from: 'user' },
    );
    expect(exits).toEqual([0]);
    const result = JSON.parse(out.join('\n'));
    expect(result).toMatchObject({ passed: true, scenarios: [{ name: 'load-1k', targetRps: 20, durationS: 1 }] });
    expect(err.some((line) => line.startsWith('[load-1k] 1/1 s'))).toBe(true);
    expect(await readFile(join(dir, 'out', 'summary.md'), 'utf8')).toContain('PASSED');
  });

  it('prints a readable summary and exits 1 when an objective fails', async () => {
    server = await startReferenceServer('fail', ['--fail-every', '10']);
    const dir = await mkdtemp(join(tmpdir(), 'smoke-cli-'));
    const { program, out, exits } = cli(true);
    await program.parseAsync(
      ['smoke', '--messaging-url', server.url, '--scenarios', 'load-1k', '--duration', '1', '--target-rps', '20', '--target', 'readyz', '--out', join(dir, 'out'), '--slo', await testSloFile(dir)],
      { from: 'user' },
    );
    expect(exits).toEqual([1]);
    expect(out).toContain('Sanctum smoke: FAILED (SLO ' + join(dir, 'slo.json') + ' version 1)');
    expect(out.some((line) => line.includes('FAIL error_rate < 2.00%: 10.00%'))).toBe(true);
  });

  it('stops on Ctrl-C in the middle of a scenario, still writes the failed result, and exits 130', async () => {
    server = await startReferenceServer('fast');
    const dir = await mkdtemp(join(tmpdir(), 'smoke-cli-'));
    const signals: { stop?: (signal: StopSignal) => void; listening: boolean } = { listening: false };
    const { program, out, exits } = cli(false, (stop) => {
      signals.stop = stop;
      signals.listening = true;
      return () => {
        signals.listening = false;
      };
    });
    const running = program.parseAsync(
      ['smoke', '--messaging-url', server.url, '--scenarios', 'load-1k,soak', '--duration', '60', '--target-rps', '20', '--target', 'readyz', '--out', join(dir, 'out'), '--slo', await testSloFile(dir)],
      { from: 'user' },
    );
    await vi.waitFor(() => {
      expect(out).toContain('[load-1k] 20 req/s for 60 s after 5 s unmeasured ramp-up');
    });
    signals.stop?.('SIGINT');
    await running;
    expect(exits).toEqual([130]);
    expect(signals.listening).toBe(false);
    expect(out).toContain('SIGINT: stopping the services and writing what was measured…');
    expect(out).toContain('  soak did not run: interrupted by SIGINT');
    const result = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8'));
    expect(result).toMatchObject({ passed: false, error: 'interrupted by SIGINT', scenarios: [] });
  });

  it('rejects bad numbers and pid pairs', async () => {
    for (const args of [['--target-rps', '-5'], ['--duration', 'soon'], ['--pid', 'messaging'], ['--warmup', '-1'], ['--disk-probe', '2.5']]) {
      const { program, err } = cli();
      await expect(program.parseAsync(['smoke', ...args], { from: 'user' })).rejects.toThrow();
      expect(err.join('')).toMatch(/expected/);
    }
  });

  it('maps the flags to command options', () => {
    expect(
      toOptions({
        out: 'o',
        timeout: 5000,
        maxConnections: 64.5,
        warmup: 2,
        diskProbe: 0,
        scenarios: ['soak'],
        targetRps: 200,
        soakDuration: 2,
        duration: 10,
        slo: 's.json',
        authUrl: 'http://a',
        directoryUrl: 'http://d',
        messagingUrl: 'http://m',
        pid: { messaging: 12, auth: 13 },
        target: 'readyz',
      }),
    ).toEqual({
      outDir: 'o',
      timeoutMs: 5000,
      maxConnections: 64,
      warmupS: 2,
      diskProbeMs: 0,
      scenarios: ['soak'],
      targetRps: 200,
      soakDurationMin: 2,
      durationS: 10,
      sloFile: 's.json',
      urls: { auth: 'http://a', directory: 'http://d', messaging: 'http://m' },
      pids: { messaging: 12, auth: 13 },
      target: readyzProbeTarget,
    });
    expect(toOptions({ out: 'o', timeout: 1, maxConnections: 1, target: 'messaging-send' })).toEqual({ outDir: 'o', timeoutMs: 1, maxConnections: 1 });
    expect(toOptions({ out: 'o', timeout: 1, maxConnections: 1, warmup: 0, target: 'messaging-send' })).toEqual({
      outDir: 'o',
      timeoutMs: 1,
      maxConnections: 1,
      warmupS: 0,
    });
  });
});
