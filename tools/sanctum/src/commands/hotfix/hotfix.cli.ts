import type { Command } from 'commander';
import { AppError } from '@sanctum/kernel';
import type { CliContext } from '../../lib/cli-context.js';
import { printResult } from '../../lib/cli-output.js';
import { cliPath, workingDir } from '../../lib/cli-program.js';
import { backportCommand } from './backport.command.js';
import type { BackportResult } from './backport.command.js';
import { hotfixFinishCommand, hotfixStartCommand } from './hotfix.command.js';
import { formatBackport, formatHotfixFinish, formatHotfixStart } from './hotfix.format.js';

interface RepoFlags {
  remote: string;
  main: string;
  staging: string;
  json?: boolean;
}

function repoOptions(context: CliContext, flags: RepoFlags): { dir: string; remote: string; mainBranch: string; stagingBranch: string } {
  return { dir: workingDir(context), remote: flags.remote, mainBranch: flags.main, stagingBranch: flags.staging };
}

function withRepoFlags(command: Command): Command {
  return command
    .option('--remote <name>', 'remote holding main and staging', 'origin')
    .option('--main <branch>', 'production branch', 'main')
    .option('--staging <branch>', 'integration branch', 'staging')
    .option('--json', 'print the result object as JSON');
}

function failOnConflict(backport: BackportResult): void {
  if (backport.status === 'conflict') {
    throw new AppError('GATE_BACKPORT_CONFLICT', `Merging main into staging conflicts in ${backport.files.join(', ')}; the merge was aborted`, 409, {
      files: backport.files,
    });
  }
}

/** `sanctum hotfix start|finish|backport`. */
export function registerHotfix(program: Command, context: CliContext): void {
  const hotfix = program.command('hotfix').description('Emergency fixes straight to main, then merged back into staging');

  withRepoFlags(hotfix.command('start <name>').description('Create hotfix/<name> from main'))
    .option('--no-switch', 'create the branch without checking it out')
    .option('--push', 'push the branch (for a pull request into main)')
    .action(async (name: string, flags: RepoFlags & { switch: boolean; push?: boolean }) => {
      const result = await hotfixStartCommand({ ...repoOptions(context, flags), name, switchTo: flags.switch, push: flags.push === true });
      printResult(context, result, flags.json === true, formatHotfixStart);
    });

  withRepoFlags(hotfix.command('finish <name>').description('Fast-forward main to hotfix/<name>, tag, push atomically, merge main back into staging'))
    .option('--worktree-dir <dir>', 'where the temporary merge worktree is created')
    .action(async (name: string, flags: RepoFlags & { worktreeDir?: string }) => {
      const result = await hotfixFinishCommand({
        ...repoOptions(context, flags),
        name,
        ...(flags.worktreeDir === undefined ? {} : { worktreeParent: cliPath(context, flags.worktreeDir) }),
      });
      printResult(context, result, flags.json === true, formatHotfixFinish);
      failOnConflict(result.backport);
    });

  withRepoFlags(hotfix.command('backport').description('Merge main into staging and push (what the hotfix backport workflow runs)'))
    .option('--worktree-dir <dir>', 'where the temporary merge worktree is created')
    .action(async (flags: RepoFlags & { worktreeDir?: string }) => {
      const result = await backportCommand({
        ...repoOptions(context, flags),
        ...(flags.worktreeDir === undefined ? {} : { worktreeParent: cliPath(context, flags.worktreeDir) }),
      });
      printResult(context, result, flags.json === true, formatBackport);
      failOnConflict(result);
    });
}
