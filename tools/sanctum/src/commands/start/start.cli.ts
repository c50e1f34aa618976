import type { Command } from 'commander';
import { Option } from 'commander';
import { startCommand } from './start.command.js';
import type { CliContext } from '../../lib/cli-context.js';
import { cliPath } from '../../lib/cli-program.js';

/** `sanctum start`: run the platform in the foreground until Ctrl-C. */
export function registerStart(program: Command, context: CliContext): void {
  program
    .command('start')
    .description('Run Auth, Directory and Messaging on the embedded default (SQLite under --data-dir)')
    .addOption(new Option('--data-dir <dir>', 'data folder').default(context.env.SANCTUM_DATA_DIR ?? './data'))
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--log-dir <dir>', 'write each service log to a file here instead of the terminal')
    .action(async (options: { dataDir: string; host: string; logDir?: string }) => {
      const result = await startCommand({
        dataDir: cliPath(context, options.dataDir),
        host: options.host,
        ...(options.logDir === undefined ? {} : { logDir: cliPath(context, options.logDir) }),
        baseEnv: context.env,
        onLine: (service, line) => {
          context.stdout(`[${service}] ${line}`);
        },
      });
      for (const service of result.services) context.stdout(`${service.name.padEnd(10)} ${service.url}`);
      context.stdout(`Sanctum is up in ${result.startedInMs} ms (data in ${options.dataDir}). Ctrl-C stops it.`);
      const state = { stopping: false };
      // Ctrl-C is how `start` is meant to end, so a clean stop exits 0.
      context.onStopSignal?.(() => {
        state.stopping = true;
        context.stdout('Stopping…');
        void result.platform.stop().then(() => {
          context.exit(0);
        });
      });
      await Promise.race(result.platform.services.map((s) => s.exited));
      if (!state.stopping) {
        context.stderr('A service exited unexpectedly; stopping the others.');
        await result.platform.stop();
        context.exit(1);
      }
    });
}
