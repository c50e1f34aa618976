import type { Readable } from 'node:stream';
import type { StopSignal } from './process/stop-signal.js';

/**
 * What the entry point hands every command's CLI wiring: the environment, the
 * working directory and the output streams, so `*.cli.ts` modules never read
 * process globals and tests can run a command in-process and capture what it
 * prints.
 */
export interface CliContext {
  readonly env: Record<string, string | undefined>;
  /** Where relative paths and the repository are taken from (bin.ts: process.cwd()). */
  readonly cwd?: string;
  stdout(line: string): void;
  stderr(line: string): void;
  /** Ends the process with this code (commands that run until stopped). */
  exit(code: number): void;
  /** Where interactive commands read lines from (bin.ts: process.stdin). */
  readonly stdin?: Readable;
  /** True when stdout is a terminal (live progress lines) rather than a CI log. */
  readonly interactive: boolean;
  /**
   * Calls `stop` on the first SIGINT or SIGTERM and returns a function that
   * stops listening (bin.ts: `onStopSignal`). Commands that start child
   * processes use it to stop them before the process ends; in-process tests
   * leave it out, so a command never installs handlers in the test runner.
   */
  onStopSignal?(stop: (signal: StopSignal) => void): () => void;
}
