import type { Command } from 'commander';
import type { CliContext } from '../../lib/cli-context.js';
import { collect, printResult } from '../../lib/cli-output.js';
import { gitHubTarget, gitHubTargetFromEnv } from '../../lib/github/github.client.js';
import { DEFAULT_REQUIRED_CHECKS, protectCommand } from './protect.command.js';
import { formatProtect } from './protect.format.js';

interface ProtectFlags {
  dryRun?: boolean;
  repo?: string;
  main: string;
  staging: string;
  check?: string[];
  botApp?: string[];
  botUser?: string[];
  restrictPushes?: boolean;
  json?: boolean;
}

/** `sanctum protect [--dry-run]`: branch protection as code. */
export function registerProtect(program: Command, context: CliContext): void {
  program
    .command('protect')
    .description('Apply the branch protection of the deployment workflow to main and staging through the GitHub REST API')
    .option('--dry-run', 'print the exact requests (method, path, JSON body) without sending them')
    .option('--repo <owner/name>', 'the repository (default GITHUB_REPOSITORY)')
    .option('--main <branch>', 'production branch', 'main')
    .option('--staging <branch>', 'integration branch', 'staging')
    .option('--check <name>', `required status check (repeatable; default ${DEFAULT_REQUIRED_CHECKS.join(', ')})`, collect)
    .option('--bot-app <slug>', 'GitHub App allowed to promote (repeatable; default github-actions)', collect)
    .option('--bot-user <login>', 'machine user allowed to promote (repeatable)', collect)
    .option('--restrict-pushes', 'only the bots may push to main (organisation repositories)')
    .option('--json', 'print the result object as JSON')
    .action(async (flags: ProtectFlags) => {
      const repository = flags.repo ?? context.env.GITHUB_REPOSITORY;
      // A dry run needs no token: it only shows the requests.
      const target =
        flags.dryRun === true
          ? gitHubTarget({ repository: repository ?? 'OWNER/REPO', token: 'dry-run' })
          : gitHubTargetFromEnv(context.env, flags.repo);
      const result = await protectCommand({
        target,
        dryRun: flags.dryRun === true,
        mainBranch: flags.main,
        stagingBranch: flags.staging,
        checks: flags.check ?? [...DEFAULT_REQUIRED_CHECKS],
        botApps: flags.botApp ?? (flags.botUser === undefined ? ['github-actions'] : []),
        botUsers: flags.botUser ?? [],
        restrictPushes: flags.restrictPushes === true,
      });
      printResult(context, result, flags.json === true, formatProtect);
    });
}
