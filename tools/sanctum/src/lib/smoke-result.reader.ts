import { readFile } from 'node:fs/promises';
import { SMOKE_RESULT_SCHEMA_VERSION } from './smoke-result.js';
import type { SmokeResult } from './smoke-result.js';

export type SmokeResultRead = { readonly ok: true; readonly result: SmokeResult } | { readonly ok: false; readonly reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scenarioProblem(value: unknown, index: number): string | undefined {
  if (!isObject(value)) return `scenarios[${index}] is not an object`;
  if (typeof value.name !== 'string') return `scenarios[${index}].name is missing`;
  if (typeof value.passed !== 'boolean') return `scenarios[${index}].passed is missing`;
  if (typeof value.errorRate !== 'number') return `scenarios[${index}].errorRate is missing`;
  if (!isObject(value.latencyMs) || typeof value.latencyMs.p95 !== 'number' || typeof value.latencyMs.p99 !== 'number') {
    return `scenarios[${index}].latencyMs is missing p95/p99`;
  }
  if (!Array.isArray(value.objectives)) return `scenarios[${index}].objectives is missing`;
  if (!Array.isArray(value.resources)) return `scenarios[${index}].resources is missing`;
  return undefined;
}

/** Why a parsed results file cannot be trusted, or undefined when it can. */
export function smokeResultProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'results is not a JSON object';
  if (value.schemaVersion !== SMOKE_RESULT_SCHEMA_VERSION) return `unsupported schemaVersion ${String(value.schemaVersion)}`;
  if (typeof value.passed !== 'boolean' || typeof value.valid !== 'boolean') return 'passed/valid are missing';
  if (!Array.isArray(value.scenarios)) return 'scenarios is missing';
  if (!Array.isArray(value.crashes)) return 'crashes is missing';
  for (const [index, scenario] of value.scenarios.entries()) {
    const problem = scenarioProblem(scenario, index);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Reads `<out>/results.json` written by `sanctum smoke`. A missing, unreadable
 * or malformed file is a failed run — never a pass — and says why.
 */
export async function readSmokeResult(file: string): Promise<SmokeResultRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, reason: `no results file at ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${file} is not valid JSON` };
  }
  const problem = smokeResultProblem(value);
  if (problem !== undefined) return { ok: false, reason: `${file}: ${problem}` };
  const result = value as SmokeResult;
  // A run that is invalid or has a crash can never count as passed, whatever the file claims.
  const passed = result.passed && result.valid && result.crashes.length === 0 && result.scenarios.every((s) => s.passed && s.valid);
  return { ok: true, result: passed === result.passed ? result : { ...result, passed } };
}
