#!/usr/bin/env node
import { Command, Option } from 'commander';
import { startCommand } from './commands/start/start.command.js';

// The entry point: parses arguments, calls a command, prints its result, and
// is the only place that turns errors into exit codes or reads process.env.
const program = new Command()
  .name('sanctum')
  .description('Run the Sanctum platform and its release pipeline')
  .showHelpAfterError();

program
  .command('start')
  .description('Run Auth, Directory and Messaging on the embedded default (SQLite under --data-dir)')
  .addOption(new Option('--data-dir <dir>', 'data folder').default(process.env.SANCTUM_DATA_DIR ?? './data'))
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--log-dir <dir>', 'write each service log to a file here instead of the terminal')
  .action(async (options: { dataDir: string; host: string; logDir?: string }) => {
    const result = await startCommand({
      dataDir: options.dataDir,
      host: options.host,
      ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
      baseEnv: process.env,
      onLine: (service, line) => {
        process.stdout.write(`[${service}] ${line}\n`);
      },
    });
    for (const service of result.services) process.stdout.write(`${service.name.padEnd(10)} ${service.url}\n`);
    process.stdout.write(`Sanctum is up in ${result.startedInMs} ms (data in ${options.dataDir}). Ctrl-C stops it.\n`);
    const state = { stopping: false };
    const stop = (): void => {
      if (state.stopping) return;
      state.stopping = true;
      process.stdout.write('Stopping…\n');
      void result.platform.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await Promise.race(result.platform.services.map((s) => s.exited));
    if (!state.stopping) {
      process.stderr.write('A service exited unexpectedly; stopping the others.\n');
      await result.platform.stop();
      process.exit(1);
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`sanctum: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
