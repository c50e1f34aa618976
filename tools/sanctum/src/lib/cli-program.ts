import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliContext } from './cli-context.js';
import { describeError, exitCodeFor } from './exit-code.js';

/**
 * The root `sanctum` program, set up before any command is registered (commander
 * copies these settings into each subcommand when it is created): errors come
 * back to `runCli` instead of ending the process, and commander's own messages
 * (help, usage errors) go to the context's streams.
 */
export function createProgram(context: CliContext): Command {
  return new Command()
    .name('sanctum')
    .description('Run the Sanctum platform and its release pipeline')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        context.stdout(text.replace(/\n$/, ''));
      },
      writeErr: (text) => {
        context.stderr(text.replace(/\n$/, ''));
      },
    });
}

/**
 * Runs the program on `argv` and returns the exit code: 0, or the code
 * `exitCodeFor` gives the error, which is reported on standard error with its
 * stable code first. Usage errors were already printed by commander.
 */
export async function runCli(program: Command, argv: readonly string[], context: CliContext): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (!(error instanceof CommanderError)) context.stderr(`sanctum: ${describeError(error)}`);
    return exitCodeFor(error);
  }
}

/** The working directory of a command: the context's, else the process's. */
export function workingDir(context: CliContext): string {
  return context.cwd ?? process.cwd();
}

/** A path given on the command line, made absolute against the command's working directory. */
export function cliPath(context: CliContext, path: string): string {
  return resolve(workingDir(context), path);
}
