#!/usr/bin/env node
import { Command } from 'commander';
import { registerSmoke } from './commands/smoke/smoke.cli.js';
import { registerStart } from './commands/start/start.cli.js';
import type { CliContext } from './lib/cli-context.js';

// The entry point: the only place that reads process.env and the process
// streams, and that turns errors into exit codes. Each command's wiring lives
// in commands/<name>/<name>.cli.ts (one `register…` line below per command).
const context: CliContext = {
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
  interactive: process.stdout.isTTY && process.env.CI === undefined,
};

const program = new Command()
  .name('sanctum')
  .description('Run the Sanctum platform and its release pipeline')
  .showHelpAfterError();

registerStart(program, context);
registerSmoke(program, context);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  context.stderr(`sanctum: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
