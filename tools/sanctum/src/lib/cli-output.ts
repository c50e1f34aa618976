import { InvalidArgumentError } from 'commander';
import type { CliContext } from './cli-context.js';

/** Prints a command's result: the object as JSON with `--json`, else the command's formatter. */
export function printResult<T>(context: CliContext, result: T, json: boolean, format: (result: T) => string): void {
  context.stdout(json ? JSON.stringify(result, null, 2) : format(result));
}

/** Commander collects a repeatable option into a list with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a positive number option, for commander (which reports the refusal as a usage error). */
export function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive number, got ${value}`);
  return parsed;
}
