import { registerHotfix } from '../../src/commands/hotfix/hotfix.cli.js';
import { registerMetrics } from '../../src/commands/metrics/metrics.cli.js';
import { registerNightly } from '../../src/commands/nightly/nightly.cli.js';
import { registerPromote } from '../../src/commands/promote/promote.cli.js';
import { registerProtect } from '../../src/commands/protect/protect.cli.js';
import { registerRecord } from '../../src/commands/record/record.cli.js';
import { registerReleaseNotes } from '../../src/commands/release-notes/release-notes.cli.js';
import { registerRollback } from '../../src/commands/rollback/rollback.cli.js';
import type { CliContext } from '../../src/lib/cli-context.js';
import { createProgram, runCli } from '../../src/lib/cli-program.js';

/** What one in-process run of the CLI printed and how it ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the `--json` result object. */
  json(): unknown;
}

export interface CliRunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
}

/** A context that captures both streams instead of writing to the process's. */
export function capturingContext(options: CliRunOptions): { context: CliContext; stdout: string[]; stderr: string[]; exits: number[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exits: number[] = [];
  return {
    stdout,
    stderr,
    exits,
    context: {
      env: { PATH: process.env.PATH, ...options.env },
      cwd: options.cwd,
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
      exit: (code) => exits.push(code),
      interactive: false,
    },
  };
}

/**
 * Runs `sanctum <args>` in-process the way bin.ts does: a fresh program from
 * createProgram (exitOverride, output to the context), the release commands'
 * register functions, and runCli for the exit code.
 */
export async function sanctum(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  const { context, stdout, stderr } = capturingContext(options);
  const program = createProgram(context);
  for (const register of [registerNightly, registerPromote, registerRollback, registerHotfix, registerReleaseNotes, registerMetrics, registerProtect, registerRecord]) {
    register(program, context);
  }
  const code = await runCli(program, ['node', 'sanctum', ...args], context);
  const out = stdout.join('\n');
  return { code, stdout: out, stderr: stderr.join('\n'), json: () => JSON.parse(out) as unknown };
}
