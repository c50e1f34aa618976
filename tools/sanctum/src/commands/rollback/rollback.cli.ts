import type { Command } from 'commander';
import { AppError } from '@sanctum/kernel';
import type { CliContext } from '../../lib/cli-context.js';
import { printResult } from '../../lib/cli-output.js';
import { workingDir } from '../../lib/cli-program.js';
import { rollbackCommand } from './rollback.command.js';
import { formatRollback } from './rollback.format.js';

interface RollbackFlags {
  to?: string;
  yes?: boolean;
  remote: string;
  main: string;
  staging: string;
  json?: boolean;
}

/** `sanctum rollback --to <release tag>` and `sanctum rollback staging`. */
export function registerRollback(program: Command, context: CliContext): void {
  program
    .command('rollback [what]')
    .description('Reset main to a release tag and staging to main (--to <tag>), or `rollback staging`: reset staging to main')
    .option('--to <tag>', 'the release tag to go back to (release/YYYYMMDD-HHMMSS)')
    .option('--yes', 'apply; without it only the plan is shown')
    .option('--remote <name>', 'remote holding main and staging', 'origin')
    .option('--main <branch>', 'production branch', 'main')
    .option('--staging <branch>', 'integration branch', 'staging')
    .option('--json', 'print the result object as JSON')
    .action(async (what: string | undefined, flags: RollbackFlags) => {
      if (what !== undefined && what !== 'staging') {
        throw new AppError('GATE_BAD_ARGUMENT', `rollback takes --to <release tag>, or "staging"; not "${what}"`, 400);
      }
      const result = await rollbackCommand({
        dir: workingDir(context),
        remote: flags.remote,
        mainBranch: flags.main,
        stagingBranch: flags.staging,
        target: what === 'staging' ? 'staging' : 'main',
        ...(flags.to === undefined ? {} : { to: flags.to }),
        yes: flags.yes === true,
      });
      printResult(context, result, flags.json === true, formatRollback);
      if (!result.applied && result.resets.length > 0) {
        throw new AppError('GATE_CONFIRMATION_REQUIRED', 'Nothing was changed: re-run with --yes to apply this rollback', 409);
      }
    });
}
