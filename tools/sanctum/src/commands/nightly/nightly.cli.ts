import type { Command } from 'commander';
import { AppError } from '@sanctum/kernel';
import type { CliContext } from '../../lib/cli-context.js';
import { positiveNumber, printResult } from '../../lib/cli-output.js';
import { cliPath, workingDir } from '../../lib/cli-program.js';
import { gitHubTargetFromEnv } from '../../lib/github/github.client.js';
import { splitCommandLine } from '../../lib/process/command-line.js';
import { stopSignalExitCode } from '../../lib/process/stop-signal.js';
import type { StopSignal } from '../../lib/process/stop-signal.js';
import { nightlyCommand } from './nightly.command.js';
import { formatNightlyMarkdown } from './nightly.format.js';

interface NightlyFlags {
  targetRps: number;
  soakDuration: number;
  out: string;
  remote: string;
  main: string;
  staging: string;
  installCommand: string;
  buildCommand: string;
  smokeCommand: string;
  stepTimeout?: number;
  worktreeDir?: string;
  promote: boolean;
  github?: boolean;
  repo?: string;
  json?: boolean;
}

/** A configured step as an argument vector; a line that does not split is bad input. */
function commandOption(option: string, line: string): string[] {
  try {
    return splitCommandLine(line);
  } catch (error) {
    throw new AppError('GATE_BAD_ARGUMENT', `${option}: ${error instanceof Error ? error.message : String(error)}`, 400);
  }
}

/** `sanctum nightly`: test staging's tip and promote it when it passes. */
export function registerNightly(program: Command, context: CliContext): void {
  program
    .command('nightly')
    .description("Test staging's tip in its own worktree (install, build, smoke), record the result, promote that commit on success")
    .option('--target-rps <n>', 'load-test request rate', positiveNumber, 1000)
    .option('--soak-duration <minutes>', 'soak-test duration in minutes', positiveNumber, 15)
    .option('--out <dir>', 'artifacts folder (results, report, service logs, step logs)', 'artifacts/nightly')
    .option('--remote <name>', 'remote holding main and staging', 'origin')
    .option('--main <branch>', 'production branch', 'main')
    .option('--staging <branch>', 'integration branch', 'staging')
    .option('--install-command <command>', 'install step, run in the worktree', 'npm ci')
    .option('--build-command <command>', 'build step', 'npm run build')
    .option('--smoke-command <command>', 'smoke step; --out, --target-rps and --soak-duration are appended', 'node tools/sanctum/dist/bin.js smoke')
    .option('--step-timeout <minutes>', 'fail a step that runs longer than this', positiveNumber)
    .option('--worktree-dir <dir>', 'where the temporary worktree is created')
    .option('--no-promote', 'record the result but do not promote')
    .option('--github', 'promote through the GitHub REST API instead of git push')
    .option('--repo <owner/name>', 'GitHub repository for --github (default GITHUB_REPOSITORY)')
    .option('--json', 'print the result object as JSON')
    .action(async (flags: NightlyFlags) => {
      // The steps run in their own process group, out of reach of a terminal's Ctrl-C: left to
      // Node, a signal would end nightly alone and leave smoke and its services running.
      const interrupt = new AbortController();
      const state: { stoppedBy?: StopSignal } = {};
      const stopListening = context.onStopSignal?.((signal) => {
        state.stoppedBy = signal;
        context.stderr(`${signal}: stopping the running step…`);
        interrupt.abort(signal);
      });
      const result = await nightlyCommand({
        dir: workingDir(context),
        remote: flags.remote,
        mainBranch: flags.main,
        stagingBranch: flags.staging,
        outDir: cliPath(context, flags.out),
        targetRps: flags.targetRps,
        soakDurationMin: flags.soakDuration,
        installCommand: commandOption('--install-command', flags.installCommand),
        buildCommand: commandOption('--build-command', flags.buildCommand),
        smokeCommand: commandOption('--smoke-command', flags.smokeCommand),
        env: context.env,
        promote: flags.promote,
        ...(flags.stepTimeout === undefined ? {} : { stepTimeoutMs: flags.stepTimeout * 60_000 }),
        ...(flags.worktreeDir === undefined ? {} : { worktreeParent: cliPath(context, flags.worktreeDir) }),
        ...(flags.github === true
          ? { github: gitHubTargetFromEnv(context.env, flags.repo) }
          : {}),
        onProgress: (line) => {
          context.stderr(line);
        },
        signal: interrupt.signal,
      }).finally(() => stopListening?.());
      printResult(context, result, flags.json === true, formatNightlyMarkdown);
      if (state.stoppedBy !== undefined) {
        context.exit(stopSignalExitCode(state.stoppedBy));
        return;
      }
      if (result.status === 'failed') {
        throw new AppError('GATE_SMOKE_FAILED', `The nightly suite failed for ${result.commit.slice(0, 7)}: ${result.reason ?? ''}`, 422);
      }
      if (result.status === 'blocked') {
        throw new AppError('GATE_PROMOTION_BLOCKED', `${result.commit.slice(0, 7)} was not promoted: ${result.reason ?? ''}`, 409);
      }
    });
}
