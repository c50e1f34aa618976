import { readFile } from 'node:fs/promises';
import Value from 'typebox/value';
import { SloFileSchema } from './slo.schema.js';
import type { SloFile } from './slo.schema.js';

/** The SLO file is unreadable or does not match slo/slo.schema.json; every problem is listed. */
export class SloFileError extends Error {
  override readonly name = 'SloFileError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid SLO file:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates an SLO file (JSON). */
export async function loadSloFile(file: string): Promise<SloFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SloFileError(file, [error instanceof Error ? error.message : String(error)]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SloFileError(file, [`not JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return parseSlo(file, parsed);
}

export function parseSlo(file: string, value: unknown): SloFile {
  const errors = Value.Errors(SloFileSchema, value);
  if (errors.length > 0) {
    throw new SloFileError(
      file,
      errors.map((error) => `${error.instancePath === '' ? '(root)' : error.instancePath}: ${error.message}`),
    );
  }
  return value as SloFile;
}
