import type { Command } from 'commander';
import type { CliContext } from '../../lib/cli-context.js';
import { printResult } from '../../lib/cli-output.js';
import { workingDir } from '../../lib/cli-program.js';
import { gitHubTargetFromEnv } from '../../lib/github/github.client.js';
import { promoteCommand } from './promote.command.js';
import { formatPromote } from './promote.format.js';

interface PromoteFlags {
  commit?: string;
  remote: string;
  main: string;
  staging: string;
  fetch: boolean;
  github?: boolean;
  repo?: string;
  json?: boolean;
}

/** `sanctum promote`: fast-forward main to a commit with a passing nightly record, tag and push atomically. */
export function registerPromote(program: Command, context: CliContext): void {
  program
    .command('promote')
    .description('Fast-forward main to a tested commit (default: the staging tip), tag release/YYYYMMDD-HHMMSS, push both atomically')
    .option('--commit <sha>', 'the commit to promote (must have a passing nightly record)')
    .option('--remote <name>', 'remote holding main and staging', 'origin')
    .option('--main <branch>', 'production branch', 'main')
    .option('--staging <branch>', 'integration branch', 'staging')
    .option('--no-fetch', 'use the refs and records already fetched')
    .option('--github', 'promote through the GitHub REST API (ref update without force, tag, release, perf-gate status)')
    .option('--repo <owner/name>', 'GitHub repository for --github (default GITHUB_REPOSITORY)')
    .option('--json', 'print the result object as JSON')
    .action(async (flags: PromoteFlags) => {
      const result = await promoteCommand({
        dir: workingDir(context),
        remote: flags.remote,
        mainBranch: flags.main,
        stagingBranch: flags.staging,
        fetch: flags.fetch,
        ...(flags.commit === undefined ? {} : { commit: flags.commit }),
        ...(flags.github === true
          ? { github: gitHubTargetFromEnv(context.env, flags.repo) }
          : {}),
      });
      printResult(context, result, flags.json === true, formatPromote);
    });
}
