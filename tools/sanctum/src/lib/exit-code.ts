import { CommanderError } from 'commander';
import { AppError } from '@sanctum/kernel';

/**
 * The process exit code for every way a command can end — the one place the
 * CLI turns errors into exit codes (bin.ts calls it). Scripts and workflows
 * can tell a refusal from an SLO failure from a crash.
 */
export const EXIT_CODES = {
  ok: 0,
  /** An unexpected failure (a bug, git or the network failing). */
  failure: 1,
  /** Bad input: an unknown option value, a malformed name (400). */
  usage: 2,
  /** Refused: the pipeline's rules or a conflict stop the operation (409). */
  refused: 3,
  /** Something named does not exist: a commit, tag or branch (404). */
  notFound: 4,
  /** The smoke suite failed its SLOs, or a metric crossed an alert threshold (422). */
  sloFailed: 5,
} as const;

export function exitCodeFor(error: unknown): number {
  // Commander's own endings: help and --version end with 0, an unknown option,
  // a missing argument or an invalid option value is bad input.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  if (!(error instanceof AppError)) return EXIT_CODES.failure;
  switch (error.statusCode) {
    case 400:
      return EXIT_CODES.usage;
    case 404:
      return EXIT_CODES.notFound;
    case 409:
      return EXIT_CODES.refused;
    case 422:
      return EXIT_CODES.sloFailed;
    default:
      return EXIT_CODES.failure;
  }
}

/** One line for standard error: the stable code first, so logs can be searched. */
export function describeError(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
