import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import * as library from '../../src/index.js';
import { cliPath, createProgram, runCli, workingDir } from '../../src/lib/cli-program.js';
import { describeError, EXIT_CODES, exitCodeFor } from '../../src/lib/exit-code.js';
import { capturingContext, sanctum } from './cli-harness.js';

const cwd = tmpdir();

describe('the sanctum program (in-process, no git needed)', () => {
  it('lists every release command in its help and exits 0', async () => {
    const cli = await sanctum(['--help'], { cwd });
    expect(cli.code).toBe(EXIT_CODES.ok);
    expect(cli.stderr).toBe('');
    for (const command of ['nightly', 'promote', 'rollback', 'hotfix', 'release-notes', 'metrics', 'protect', 'record']) {
      expect(cli.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it.each([
    [['nightly'], ['--target-rps <n>', '--soak-duration <minutes>', '--install-command <command>', '--step-timeout <minutes>', '--no-promote', '--github']],
    [['promote'], ['--commit <sha>', '--remote <name>', '--no-fetch', '--github', '--repo <owner/name>', '--json']],
    [['rollback'], ['--to <tag>', '--yes', '--main <branch>', '--staging <branch>']],
    [['hotfix', 'start'], ['--no-switch', '--push']],
    [['hotfix', 'finish'], ['--worktree-dir <dir>']],
    [['hotfix', 'backport'], ['--worktree-dir <dir>', '--json']],
    [['release-notes'], ['--github', '--repo <owner/name>']],
    [['metrics'], ['--alerts <file>', '--window-days <days>', '--out <dir>', '--no-fetch']],
    [['protect'], ['--dry-run', '--check <name>', '--bot-app <slug>', '--bot-user <login>', '--restrict-pushes']],
    [['record', 'ci'], ['--build-time <seconds>', '--coverage-summary <file>', '--failure', '--no-push']],
  ])('documents the options of %j', async (command, options) => {
    const cli = await sanctum([...command, '--help'], { cwd });
    expect(cli.code).toBe(EXIT_CODES.ok);
    expect(cli.stdout).toContain(`Usage: sanctum ${command.join(' ')}`);
    for (const option of options) expect(cli.stdout).toContain(option);
  });

  it('reports an unknown command or option as bad input (exit 2), with commander’s message once', async () => {
    const command = await sanctum(['frobnicate'], { cwd });
    expect(command.code).toBe(EXIT_CODES.usage);
    expect(command.stderr).toContain("error: unknown command 'frobnicate'");
    expect(command.stderr).not.toContain('sanctum: ');
    const option = await sanctum(['promote', '--force'], { cwd });
    expect(option.code).toBe(EXIT_CODES.usage);
    expect(option.stderr).toMatch(/^error: unknown option '--force'\n/);
    expect(option.stderr).toContain('Usage: sanctum promote [options]');
  });

  it('turns an unexpected error into exit 1 with its message, and a thrown non-error too', async () => {
    const { context, stderr } = capturingContext({ cwd });
    const program = createProgram(context);
    program.command('explode').action(() => {
      throw new Error('the disk is full');
    });
    program.command('throw-string').action(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless dependency may do
      throw 'plain text';
    });
    expect(await runCli(program, ['node', 'sanctum', 'explode'], context)).toBe(EXIT_CODES.failure);
    expect(await runCli(program, ['node', 'sanctum', 'throw-string'], context)).toBe(EXIT_CODES.failure);
    expect(stderr).toEqual(['sanctum: the disk is full', 'sanctum: plain text']);
    expect(describeError(42)).toBe('42');
  });

  it('maps commander’s endings: help is 0, any usage error is 2', () => {
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(EXIT_CODES.ok);
    expect(exitCodeFor(new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'name'"))).toBe(EXIT_CODES.usage);
  });

  it('takes the working directory from the context, else the process', () => {
    const { context } = capturingContext({ cwd: '/srv/checkout' });
    expect(workingDir(context)).toBe('/srv/checkout');
    expect(cliPath(context, 'artifacts/nightly')).toBe('/srv/checkout/artifacts/nightly');
    expect(cliPath(context, '/abs/out')).toBe('/abs/out');
    const { cwd: _omitted, ...withoutCwd } = context;
    expect(workingDir(withoutCwd)).toBe(process.cwd());
    expect(cliPath(withoutCwd, 'x')).toBe(join(process.cwd(), 'x'));
  });

  it('exports every release command as a function from the library entry', () => {
    for (const name of [
      'nightlyCommand',
      'promoteCommand',
      'rollbackCommand',
      'hotfixStartCommand',
      'hotfixFinishCommand',
      'backportCommand',
      'releaseNotesCommand',
      'metricsCommand',
      'protectCommand',
      'recordCiCommand',
      'appendRecord',
      'loadRecords',
      'nightlyRecord',
      'readSmokeResult',
      'exitCodeFor',
    ] as const) {
      expect(typeof library[name], name).toBe('function');
    }
    expect(library.RECORDS_NOTES_REF).toBe('refs/notes/sanctum-runs');
    expect(library.EXIT_CODES.sloFailed).toBe(5);
  });
});
