import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { splitCommandLine } from '../../src/lib/process/command-line.js';
import { describeStepOutcome, runStep } from '../../src/lib/process/step.runner.js';
import type { StepSpec } from '../../src/lib/process/step.runner.js';
import { serviceStartingStepScript } from './service-starting-step.js';

const dir = mkdtempSync(join(tmpdir(), 'sanctum-steps-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const step = (name: string, argv: string[], extra: Partial<StepSpec> = {}): StepSpec => ({
  name,
  argv,
  cwd: dir,
  env: { PATH: process.env.PATH },
  logFile: join(dir, 'logs', `${name}.log`),
  ...extra,
});

describe('pipeline steps (real child processes)', () => {
  it('keeps what a step printed and how it ended in its log', async () => {
    const outcome = await runStep(step('build', ['node', '-e', 'console.log("compiling"); console.error("a warning"); process.exit(3)']));
    expect(outcome).toMatchObject({ name: 'build', exitCode: 3, signal: null, timedOut: false, ok: false });
    expect(describeStepOutcome(outcome)).toBe('exit 3');
    const log = readFileSync(outcome.logFile, 'utf8');
    expect(log).toMatch(/^\$ node -e /);
    expect(log).toContain('compiling\n');
    expect(log).toContain('a warning\n');
    expect(log).toMatch(/# build: exit 3 in \d+ ms\n$/);
  });

  it('ends a step that runs past its time limit, and kills one that ignores SIGTERM', async () => {
    const slow = await runStep(step('slow', ['node', '-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 200 }));
    expect(slow).toMatchObject({ timedOut: true, ok: false, signal: 'SIGTERM' });
    expect(describeStepOutcome(slow)).toBe('timed out');
    // SIGTERM is ignored from the shell's first instruction on (and across exec), so only SIGKILL ends it.
    const stubborn = await runStep(step('stubborn', ['sh', '-c', "trap '' TERM; exec sleep 60"], { timeoutMs: 1000, killGraceMs: 200 }));
    expect(stubborn).toMatchObject({ timedOut: true, ok: false, signal: 'SIGKILL' });
  });

  it('ends a step and what it started when the pipeline is interrupted', async () => {
    // Like smoke and its services: the step starts a child, and on SIGTERM waits for it to end.
    // Only the group's SIGTERM reaches the child; were it sent to the step alone, this would hang until SIGKILL.
    const pidFile = join(dir, 'service.pid');
    const script = serviceStartingStepScript(pidFile);
    const interrupt = new AbortController();
    const running = runStep(step('smoke', ['node', '-e', script], { signal: interrupt.signal, killGraceMs: 20_000 }));
    await vi.waitFor(() => {
      expect(existsSync(pidFile)).toBe(true);
    });
    interrupt.abort('SIGTERM');
    expect(await running).toMatchObject({ ok: false, timedOut: false, exitCode: 143 });
    expect(() => process.kill(Number(readFileSync(pidFile, 'utf8')), 0)).toThrow('ESRCH');
    // Interrupted before it started: ended at once.
    const late = await runStep(step('build', ['node', '-e', 'setTimeout(() => {}, 60_000)'], { signal: AbortSignal.abort('SIGINT') }));
    expect(late).toMatchObject({ ok: false, signal: 'SIGTERM' });
  });

  it('reports a program that cannot start, one killed by a signal, and a step without a command', async () => {
    const missing = await runStep(step('install', ['/nonexistent/bin/tool', 'ci']));
    expect(missing).toMatchObject({ exitCode: null, signal: null, ok: false });
    expect(describeStepOutcome(missing)).toBe('could not start');
    expect(readFileSync(missing.logFile, 'utf8')).toContain('could not start /nonexistent/bin/tool: spawn /nonexistent/bin/tool ENOENT');
    const killed = await runStep(step('smoke', ['node', '-e', 'process.kill(process.pid, "SIGKILL")']));
    expect(describeStepOutcome(killed)).toBe('killed by SIGKILL');
    await expect(runStep(step('empty', []))).rejects.toThrow('step empty has no command');
    expect(describeStepOutcome({ ok: true, timedOut: false, exitCode: 0, signal: null })).toBe('ok');
  });
});

describe('configured command lines', () => {
  it.each([
    ['npm ci', ['npm', 'ci']],
    ['  node   build.mjs  ', ['node', 'build.mjs']],
    ['echo "say \\"hi\\"" \'it\'\'s\'', ['echo', 'say "hi"', 'its']],
    ['node "a b"c d\\ e', ['node', 'a bc', 'd e']],
    ['trailing\\', ['trailing\\']],
    ['a "" b', ['a', '', 'b']],
    ['', []],
  ])('splits %j', (line, words) => {
    expect(splitCommandLine(line)).toEqual(words);
  });

  it('refuses an unterminated quote, even after an escape', () => {
    expect(() => splitCommandLine('"ends in \\')).toThrow('unterminated " quote in: "ends in \\');
    expect(() => splitCommandLine("it's")).toThrow("unterminated ' quote");
  });
});
