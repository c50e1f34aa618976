import type { Command } from 'commander';
import { AppError } from '@sanctum/kernel';
import type { CliContext } from '../../lib/cli-context.js';
import { positiveNumber, printResult } from '../../lib/cli-output.js';
import { cliPath, workingDir } from '../../lib/cli-program.js';
import { metricsCommand } from './metrics.command.js';
import { formatMetrics } from './metrics.format.js';

interface MetricsFlags {
  alerts?: string;
  windowDays?: number;
  out: string;
  remote: string;
  main: string;
  staging: string;
  fetch: boolean;
  json?: boolean;
}

/** `sanctum metrics`: table, metrics.json and dashboard.html; non-zero exit with the alert list. */
export function registerMetrics(program: Command, context: CliContext): void {
  program
    .command('metrics')
    .description('Pipeline metrics from the run records: pass rates, p95 and error trends, lag, blocked time, hotfix rate, CI')
    .option('--alerts <file>', 'targets and alert thresholds (default slo/alerts.json)')
    .option('--window-days <days>', 'how far back to look (default: the file’s windowDays)', positiveNumber)
    .option('--out <dir>', 'where metrics.json and dashboard.html go', 'artifacts/metrics')
    .option('--remote <name>', 'remote holding main, staging and the records', 'origin')
    .option('--main <branch>', 'production branch', 'main')
    .option('--staging <branch>', 'integration branch', 'staging')
    .option('--no-fetch', 'use what was fetched already')
    .option('--json', 'print the result object as JSON')
    .action(async (flags: MetricsFlags) => {
      const result = await metricsCommand({
        dir: workingDir(context),
        remote: flags.remote,
        mainBranch: flags.main,
        stagingBranch: flags.staging,
        outDir: cliPath(context, flags.out),
        fetch: flags.fetch,
        ...(flags.alerts === undefined ? {} : { alertsFile: cliPath(context, flags.alerts) }),
        ...(flags.windowDays === undefined ? {} : { windowDays: flags.windowDays }),
      });
      printResult(context, result, flags.json === true, formatMetrics);
      if (result.alerts.length > 0) {
        throw new AppError('GATE_METRICS_ALERT', `${result.alerts.length} alert(s): ${result.alerts.map((a) => a.message).join('; ')}`, 422, {
          alerts: result.alerts,
        });
      }
    });
}
