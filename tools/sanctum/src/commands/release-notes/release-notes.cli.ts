import type { Command } from 'commander';
import type { CliContext } from '../../lib/cli-context.js';
import { printResult } from '../../lib/cli-output.js';
import { workingDir } from '../../lib/cli-program.js';
import { gitHubTargetFromEnv } from '../../lib/github/github.client.js';
import { releaseNotesCommand } from './release-notes.command.js';

/** `sanctum release-notes [from] [to]`. */
export function registerReleaseNotes(program: Command, context: CliContext): void {
  program
    .command('release-notes [from] [to]')
    .description('Changes between two release tags (default: the last two), grouped by conventional-commit type, as Markdown')
    .option('--github', 'also create the GitHub release for <to>')
    .option('--repo <owner/name>', 'GitHub repository for --github (default GITHUB_REPOSITORY)')
    .option('--json', 'print the result object as JSON')
    .action(async (from: string | undefined, to: string | undefined, flags: { github?: boolean; repo?: string; json?: boolean }) => {
      const result = await releaseNotesCommand({
        dir: workingDir(context),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(flags.github === true ? { github: gitHubTargetFromEnv(context.env, flags.repo) } : {}),
      });
      printResult(context, result, flags.json === true, (r) => r.markdown + (r.githubReleaseUrl === undefined ? '' : `\nCreated ${r.githubReleaseUrl}\n`));
    });
}
