import type { Command } from 'commander';
import type { CliContext } from '../../lib/cli-context.js';
import { positiveNumber, printResult } from '../../lib/cli-output.js';
import { cliPath, workingDir } from '../../lib/cli-program.js';
import { recordCiCommand } from './record.command.js';

interface RecordFlags {
  commit?: string;
  failure?: boolean;
  buildTime?: number;
  coverageSummary?: string;
  workflow?: string;
  runId?: string;
  duration?: number;
  remote: string;
  push: boolean;
  json?: boolean;
}

/** `sanctum record ci`: how CI runs add their record to the store. */
export function registerRecord(program: Command, context: CliContext): void {
  const record = program.command('record').description('Store a run record with its commit (git notes, pushed to the remote)');
  record
    .command('ci')
    .description('Record a CI run: success, build time, coverage')
    .option('--commit <sha>', 'the commit the run tested', 'HEAD')
    .option('--failure', 'the run failed (default: it succeeded)')
    .option('--build-time <seconds>', 'build time in seconds', positiveNumber)
    .option('--coverage-summary <file>', 'coverage-summary.json of the run')
    .option('--workflow <name>', 'workflow name')
    .option('--run-id <id>', 'CI run id')
    .option('--duration <seconds>', 'total run time in seconds', positiveNumber)
    .option('--remote <name>', 'remote the records are pushed to', 'origin')
    .option('--no-push', 'store locally only')
    .option('--json', 'print the result object as JSON')
    .action(async (flags: RecordFlags) => {
      const result = await recordCiCommand({
        dir: workingDir(context),
        remote: flags.remote,
        success: flags.failure !== true,
        push: flags.push,
        ...(flags.commit === undefined ? {} : { commit: flags.commit }),
        ...(flags.buildTime === undefined ? {} : { buildTimeS: flags.buildTime }),
        ...(flags.coverageSummary === undefined ? {} : { coverageSummaryFile: cliPath(context, flags.coverageSummary) }),
        ...(flags.workflow === undefined ? {} : { workflow: flags.workflow }),
        ...(flags.runId === undefined ? {} : { runId: flags.runId }),
        ...(flags.duration === undefined ? {} : { durationS: flags.duration }),
      });
      printResult(context, result, flags.json === true, (r) => `Recorded CI run of ${r.record.commit.slice(0, 7)} (${r.record.passed ? 'success' : 'failure'})${r.pushed ? ', pushed' : ''}.`);
    });
}
