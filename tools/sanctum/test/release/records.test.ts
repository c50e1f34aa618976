import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failureReason, nightlyRecord } from '../../src/lib/records/nightly-record.js';
import { parseRecord, recordProblem, RUN_RECORD_SCHEMA_VERSION } from '../../src/lib/records/run-record.js';
import type { RunRecord } from '../../src/lib/records/run-record.js';
import { sloSummaryLines } from '../../src/lib/records/slo-summary.js';
import { readSmokeResult } from '../../src/lib/smoke-result.reader.js';
import type { ScenarioResult, SmokeResult } from '../../src/lib/smoke-result.js';

const SHA = 'a'.repeat(40);
const AT = new Date('2025-02-03T02:00:00Z');

function scenario(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    name: 'load-1k',
    targetRps: 1000,
    durationS: 120,
    payloadBytes: 1024,
    requests: { scheduled: 100, completed: 100, ok: 100, errors: 0 },
    errorRate: 0.0012,
    latencyMs: { p50: 40, p95: 120.5, p99: 300, max: 400, mean: 50 },
    resources: [
      { service: 'auth', cpuAvgPercent: 12, memoryGrowthPercent: 1, peakRssBytes: 1e8 },
      { service: 'messaging', cpuAvgPercent: 31, memoryGrowthPercent: 4, peakRssBytes: 2e8 },
    ],
    valid: true,
    invalidReasons: [],
    objectives: [{ objective: 'latency_p95_ms', threshold: 1500, measured: 120.5, unit: 'ms', passed: true }],
    passed: true,
    ...overrides,
  };
}

function result(overrides: Partial<SmokeResult> = {}): SmokeResult {
  return { schemaVersion: 1, startedAt: AT.toISOString(), finishedAt: AT.toISOString(), slo: { file: 'slo/smoke.json', version: '3' }, scenarios: [scenario()], crashes: [], valid: true, passed: true, ...overrides };
}

const record = (smoke: SmokeResult | undefined, failure?: string): RunRecord =>
  nightlyRecord({ commit: SHA, startedAt: new Date(AT.getTime() - 90_000), finishedAt: AT, targetRps: 1000, soakDurationMin: 15, ...(smoke ? { result: smoke } : {}), ...(failure ? { failure } : {}) });

describe('run records', () => {
  const valid = { schemaVersion: RUN_RECORD_SCHEMA_VERSION, kind: 'ci', commit: SHA, time: AT.toISOString(), passed: true, ci: { success: true } };

  it.each([
    ['a string', 'nightly', 'not an object'],
    ['a list', [], 'not an object'],
    ['another schema', { ...valid, schemaVersion: 2 }, 'unknown schemaVersion 2'],
    ['an unknown kind', { ...valid, kind: 'deploy' }, 'unknown kind'],
    ['a kind that is not text', { ...valid, kind: 7 }, 'unknown kind'],
    ['a short sha', { ...valid, commit: 'abc1234' }, 'commit is not a full sha'],
    ['a time that is no date', { ...valid, time: 'yesterday' }, 'time is not a date'],
    ['passed as text', { ...valid, passed: 'yes' }, 'passed is not a boolean'],
    ['a nightly without facts', { ...valid, kind: 'nightly', ci: undefined }, 'a nightly record needs nightly facts'],
    ['a ci run without facts', { ...valid, ci: undefined }, 'a ci record needs ci facts'],
    ['a promotion without release facts', { ...valid, kind: 'promotion' }, 'a promotion record needs release facts'],
    ['a hotfix without release facts', { ...valid, kind: 'hotfix' }, 'a hotfix record needs release facts'],
    ['a rollback without facts', { ...valid, kind: 'rollback' }, 'a rollback record needs rollback facts'],
    ['scenarios that are no list', { ...valid, kind: 'nightly', nightly: { scenarios: {} } }, 'nightly.scenarios is not a list'],
  ])('refuses %s', (_what, value, problem) => {
    expect(recordProblem(value)).toBe(problem);
    expect(() => parseRecord(JSON.stringify(value))).toThrow(`invalid run record: ${problem}`);
  });

  it('accepts a record this version understands', () => {
    expect(recordProblem(valid)).toBeUndefined();
    expect(parseRecord(JSON.stringify(valid))).toEqual(valid);
  });
});

describe('nightly records and their failure reasons', () => {
  it('summarises each scenario with its busiest service and largest memory growth', () => {
    const passed = record(result());
    expect(passed).toMatchObject({ kind: 'nightly', passed: true, durationS: 90, nightly: { valid: true, slo: { file: 'slo/smoke.json', version: '3' } } });
    expect(passed.nightly?.scenarios[0]).toMatchObject({ name: 'load-1k', p95Ms: 120.5, cpuAvgPercent: 31, memoryGrowthPercent: 4 });
    expect(failureReason(passed)).toBe('passed');
    const noResources = record(result({ scenarios: [scenario({ resources: [] })] }));
    expect(noResources.nightly?.scenarios[0]).toMatchObject({ cpuAvgPercent: null, memoryGrowthPercent: null });
  });

  it('names the cause: a step, an invalid run, a crash, the failed objectives, or just "did not pass"', () => {
    expect(failureReason(record(undefined, 'build failed (exit 2); see logs/build.log'))).toBe('build failed (exit 2); see logs/build.log');
    expect(failureReason(record(result({ valid: false, passed: false })))).toBe('the run was invalid (the load generator could not keep its schedule)');
    const crashed = record(result({ crashes: [{ service: 'messaging', exit: 'SIGSEGV' }], passed: false }));
    expect(crashed.nightly?.crashes).toEqual([{ service: 'messaging', exit: 'SIGSEGV' }]);
    expect(failureReason(crashed)).toBe('service crash: messaging (SIGSEGV)');
    const unmeasured = scenario({ name: 'soak', passed: false, objectives: [{ objective: 'memory_growth_percent', threshold: 10, measured: null, unit: '%', passed: false }] });
    expect(failureReason(record(result({ scenarios: [unmeasured], passed: false })))).toBe('SLO failed: soak memory_growth_percent unmeasured ≥ 10 %');
    expect(failureReason(record(result({ passed: false })))).toBe('the smoke run did not pass');
    const ci: RunRecord = { schemaVersion: 1, kind: 'ci', commit: SHA, time: AT.toISOString(), passed: false, ci: { success: false } };
    expect(failureReason(ci)).toBe('not a nightly record');
  });
});

describe('the SLO summary of a release', () => {
  it('lists every scenario and objective with readable numbers, and the crashes', () => {
    const slow = scenario({ name: 'soak', errorRate: 0.25, passed: false, objectives: [{ objective: 'cpu_avg_percent', threshold: 70, measured: 0.5, unit: '%', passed: true }, { objective: 'latency_p99_ms', threshold: 3000, measured: null, unit: 'ms', passed: false }] });
    const lines = sloSummaryLines(record(result({ scenarios: [scenario(), slow], crashes: [{ service: 'auth', exit: '1' }], passed: false })));
    expect(lines).toEqual([
      `Smoke: FAILED at 1000 req/s, soak 15 min (finished ${AT.toISOString()})`,
      'SLO file: slo/smoke.json (version 3)',
      '- load-1k: pass; errors 0.12%, p95 120.50 ms, p99 300 ms',
      '    ok   latency_p95_ms: 120.50 < 1500 ms',
      '- soak: FAIL; errors 25.00%, p95 120.50 ms, p99 300 ms',
      '    ok   cpu_avg_percent: 0.5000 < 70 %',
      '    FAIL latency_p99_ms: n/a < 3000 ms',
      'Crashes: auth (1)',
    ]);
    expect(sloSummaryLines({ schemaVersion: 1, kind: 'hotfix', commit: SHA, time: AT.toISOString(), passed: true, release: { tag: 'release/20250203-020000', previousMain: SHA } })).toEqual([
      'No smoke results recorded (hotfix record).',
    ]);
  });
});

describe('reading results.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sanctum-results-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  let count = 0;
  const file = (content: unknown): string => {
    count += 1;
    const path = join(dir, `results-${count}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const good = result();
  const withScenario = (overrides: Record<string, unknown>) => ({ ...good, scenarios: [{ ...scenario(), ...overrides }] });

  it.each([
    ['not an object', [1, 2], 'results is not a JSON object'],
    ['another schema', { ...good, schemaVersion: 2 }, 'unsupported schemaVersion 2'],
    ['no verdict', { ...good, valid: undefined }, 'passed/valid are missing'],
    ['no scenarios', { ...good, scenarios: undefined }, 'scenarios is missing'],
    ['no crash list', { ...good, crashes: undefined }, 'crashes is missing'],
    ['a scenario that is no object', { ...good, scenarios: ['load-1k'] }, 'scenarios[0] is not an object'],
    ['a nameless scenario', withScenario({ name: undefined }), 'scenarios[0].name is missing'],
    ['a scenario without a verdict', withScenario({ passed: 'yes' }), 'scenarios[0].passed is missing'],
    ['a scenario without error rate', withScenario({ errorRate: undefined }), 'scenarios[0].errorRate is missing'],
    ['a scenario without p99', withScenario({ latencyMs: { p95: 1 } }), 'scenarios[0].latencyMs is missing p95/p99'],
    ['a scenario without objectives', withScenario({ objectives: undefined }), 'scenarios[0].objectives is missing'],
    ['a scenario without resources', withScenario({ resources: undefined }), 'scenarios[0].resources is missing'],
  ])('fails a file with %s, never passes it', async (_what, content, problem) => {
    const path = file(content);
    expect(await readSmokeResult(path)).toEqual({ ok: false, reason: `${path}: ${problem}` });
  });

  it('fails a missing file and one that is not JSON', async () => {
    expect(await readSmokeResult(join(dir, 'absent.json'))).toEqual({ ok: false, reason: `no results file at ${join(dir, 'absent.json')} (ENOENT)` });
    const broken = file('{"passed": tr');
    expect(await readSmokeResult(broken)).toEqual({ ok: false, reason: `${broken} is not valid JSON` });
  });

  it('never counts an invalid or crashed run as passed, whatever the file claims', async () => {
    expect(await readSmokeResult(file(good))).toEqual({ ok: true, result: good });
    const invalid = await readSmokeResult(file({ ...good, valid: false }));
    expect(invalid.ok && invalid.result.passed).toBe(false);
    const crashed = await readSmokeResult(file({ ...good, crashes: [{ service: 'auth', exit: '139' }] }));
    expect(crashed.ok && crashed.result.passed).toBe(false);
    const invalidScenario = await readSmokeResult(file(withScenario({ valid: false })));
    expect(invalidScenario.ok && invalidScenario.result.passed).toBe(false);
  });
});
