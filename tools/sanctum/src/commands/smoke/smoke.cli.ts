import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliContext } from '../../lib/cli-context.js';
import { readyzProbeTarget } from '../../lib/load/probe.target.js';
import { ProgressReporter } from '../../lib/load/progress.reporter.js';
import { DEFAULT_SCENARIOS } from '../../lib/load/scenario.catalog.js';
import { stopSignalExitCode } from '../../lib/process/stop-signal.js';
import type { StopSignal } from '../../lib/process/stop-signal.js';
import { smokeCommand } from './smoke.command.js';
import type { SmokeOptions } from './smoke.command.js';
import { formatSmokeRun } from './smoke.format.js';

interface SmokeFlags {
  scenarios?: string[];
  targetRps?: number;
  soakDuration?: number;
  duration?: number;
  slo?: string;
  out: string;
  authUrl?: string;
  directoryUrl?: string;
  messagingUrl?: string;
  pid?: Record<string, number>;
  timeout: number;
  maxConnections: number;
  warmup?: number;
  diskProbe?: number;
  target?: 'messaging-send' | 'readyz';
  json?: boolean;
}

/** `sanctum smoke`: the nightly load and soak suite; exit code 0 only when every SLO passed on a valid run. */
export function registerSmoke(program: Command, context: CliContext): void {
  program
    .command('smoke')
    .description('Run the load and soak scenarios against the services and judge them by the SLO file')
    .addOption(new Option('--scenarios <list>', `comma-separated, in order (default: ${DEFAULT_SCENARIOS.map((s) => s.name).join(',')})`).argParser(list))
    .addOption(new Option('--target-rps <n>', 'rate of the load tests; the soak runs at half of it (default 1000)').argParser(positive))
    .addOption(new Option('--soak-duration <minutes>', 'soak length (default 15)').argParser(positive))
    .addOption(new Option('--duration <seconds>', 'length of every scenario (short CI runs); --soak-duration still wins for the soak').argParser(positive))
    .option('--slo <file>', 'SLO file (default: slo/nightly.json of this checkout)')
    .option('--out <dir>', 'output folder for results.json, summary.md, report.html and logs', 'artifacts/smoke')
    .option('--auth-url <url>', 'use a running Auth instead of starting one')
    .option('--directory-url <url>', 'use a running Directory instead of starting one')
    .option('--messaging-url <url>', 'use a running Messaging instead of starting one')
    .addOption(new Option('--pid <service=pid...>', 'monitor these processes when the services run elsewhere').argParser(pidPair))
    .addOption(new Option('--timeout <ms>', 'a request unanswered this long after its intended time is an error').default(10_000).argParser(positive))
    .addOption(new Option('--warmup <seconds>', 'unmeasured seconds before each scenario is measured, the rate rising from zero to its own (default 5)').argParser(nonNegative))
    .addOption(new Option('--max-connections <n>', 'cap on the HTTP connection pool (rate x timeout otherwise)').default(1024).argParser(positive))
    .addOption(
      new Option('--disk-probe <ms>', "time a 4 KiB write and sync beside the services' databases this often, to report disk stalls (default 100; 0: off)").argParser(
        milliseconds,
      ),
    )
    .addOption(
      new Option('--target <name>', 'what each request does: a Messaging send (recipients ack over WebSocket), or a GET /readyz probe')
        .choices(['messaging-send', 'readyz'])
        .default('messaging-send'),
    )
    .option('--json', 'print the result object as JSON instead of the summary')
    .action(async (flags: SmokeFlags) => {
      const print = (line: string): void => {
        if (flags.json === true) context.stderr(line);
        else context.stdout(line);
      };
      const progress = new ProgressReporter(print, context.interactive);
      // Left to Node, a signal would end the CLI at once and leave the services it started running.
      const interrupt = new AbortController();
      const state: { stoppedBy?: StopSignal } = {};
      const stopListening = context.onStopSignal?.((signal) => {
        state.stoppedBy = signal;
        progress.message(`${signal}: stopping the services and writing what was measured…`);
        interrupt.abort(signal);
      });
      const run = await smokeCommand({
        ...toOptions(flags),
        baseEnv: context.env,
        signal: interrupt.signal,
        onProgress: (p) => { progress.second(p); },
        onMessage: (line) => { progress.message(line); },
      }).finally(() => stopListening?.());
      if (flags.json === true) context.stdout(JSON.stringify(run.result, null, 2));
      else for (const line of formatSmokeRun(run)) context.stdout(line);
      // A stopped run exits as the signal would have ended it, whatever it measured.
      context.exit(state.stoppedBy === undefined ? run.exitCode : stopSignalExitCode(state.stoppedBy));
    });
}

export function toOptions(flags: SmokeFlags): SmokeOptions {
  const urls = {
    ...(flags.authUrl === undefined ? {} : { auth: flags.authUrl }),
    ...(flags.directoryUrl === undefined ? {} : { directory: flags.directoryUrl }),
    ...(flags.messagingUrl === undefined ? {} : { messaging: flags.messagingUrl }),
  };
  return {
    outDir: flags.out,
    timeoutMs: flags.timeout,
    maxConnections: Math.floor(flags.maxConnections),
    ...(flags.scenarios === undefined ? {} : { scenarios: flags.scenarios }),
    ...(flags.targetRps === undefined ? {} : { targetRps: flags.targetRps }),
    ...(flags.soakDuration === undefined ? {} : { soakDurationMin: flags.soakDuration }),
    ...(flags.duration === undefined ? {} : { durationS: flags.duration }),
    ...(flags.warmup === undefined ? {} : { warmupS: flags.warmup }),
    ...(flags.diskProbe === undefined ? {} : { diskProbeMs: flags.diskProbe }),
    ...(flags.slo === undefined ? {} : { sloFile: flags.slo }),
    ...(Object.keys(urls).length === 0 ? {} : { urls }),
    ...(flags.pid === undefined ? {} : { pids: flags.pid }),
    // The command's default is the Messaging send path; only the probe needs saying.
    ...(flags.target === 'readyz' ? { target: readyzProbeTarget } : {}),
  };
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a positive number');
  return number;
}

function nonNegative(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more');
  return number;
}

function milliseconds(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number of milliseconds, 0 or more');
  return number;
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function pidPair(value: string, previous: Record<string, number> | undefined): Record<string, number> {
  const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(value);
  const [, service, pid] = match ?? [];
  if (service === undefined || pid === undefined) throw new InvalidArgumentError('expected service=pid, e.g. messaging=1234');
  return { ...previous, [service]: Number(pid) };
}
