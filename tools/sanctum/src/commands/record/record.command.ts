import { readFile } from 'node:fs/promises';
import { AppError } from '@sanctum/kernel';
import { resolveCommit } from '../../lib/git/refs.git.js';
import { appendRecord, publishRecords, syncRecords } from '../../lib/records/record.store.js';
import { RUN_RECORD_SCHEMA_VERSION } from '../../lib/records/run-record.js';
import type { CiFacts, RunRecord } from '../../lib/records/run-record.js';

export interface RecordCiOptions {
  readonly dir: string;
  readonly remote?: string;
  /** Default HEAD. */
  readonly commit?: string;
  readonly success: boolean;
  readonly buildTimeS?: number;
  /** vitest/istanbul `coverage-summary.json`; its `total` percentages are recorded. */
  readonly coverageSummaryFile?: string;
  readonly workflow?: string;
  readonly runId?: string;
  readonly durationS?: number;
  /** Push the record to the remote (default true). */
  readonly push?: boolean;
  readonly notesRef?: string;
  readonly now?: () => Date;
}

export interface RecordResult {
  readonly record: RunRecord;
  readonly pushed: boolean;
}

interface CoverageTotals {
  total?: Record<string, { pct?: unknown } | undefined>;
}

async function readCoverage(file: string): Promise<NonNullable<CiFacts['coverage']>> {
  let summary: CoverageTotals;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as CoverageTotals;
  } catch {
    throw new AppError('GATE_BAD_COVERAGE_FILE', `${file} is missing or not JSON (expected coverage-summary.json)`, 400);
  }
  const pct = (key: string): number => {
    const value = summary.total?.[key]?.pct;
    if (typeof value !== 'number') throw new AppError('GATE_BAD_COVERAGE_FILE', `${file} has no total.${key}.pct`, 400);
    return value;
  };
  return { statements: pct('statements'), branches: pct('branches'), functions: pct('functions'), lines: pct('lines') };
}

/** `sanctum record ci`: stores the record of a CI run with its commit (what `sanctum metrics` trends on). */
export async function recordCiCommand(options: RecordCiOptions): Promise<RecordResult> {
  const revision = options.commit ?? 'HEAD';
  const commit = await resolveCommit(options.dir, revision);
  if (commit === undefined) throw new AppError('GATE_COMMIT_NOT_FOUND', `No commit ${revision}`, 404);
  const coverage = options.coverageSummaryFile === undefined ? undefined : await readCoverage(options.coverageSummaryFile);
  const ci: CiFacts = {
    success: options.success,
    ...(options.buildTimeS === undefined ? {} : { buildTimeS: options.buildTimeS }),
    ...(coverage === undefined ? {} : { coverage }),
    ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
    ...(options.runId === undefined ? {} : { runId: options.runId }),
  };
  const record: RunRecord = {
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    kind: 'ci',
    commit,
    time: (options.now ?? (() => new Date()))().toISOString(),
    passed: options.success,
    ...(options.durationS === undefined ? {} : { durationS: options.durationS }),
    ci,
  };
  const store = { dir: options.dir, ...(options.notesRef === undefined ? {} : { notesRef: options.notesRef }) };
  const remote = options.remote ?? 'origin';
  if (options.push !== false) await syncRecords({ ...store, remote });
  await appendRecord(store, record);
  if (options.push !== false) await publishRecords({ ...store, remote });
  return { record, pushed: options.push !== false };
}
