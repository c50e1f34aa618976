import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppError } from '@sanctum/kernel';
import { metricsCommand } from '../../src/commands/metrics/metrics.command.js';
import { nightlyCommand } from '../../src/commands/nightly/nightly.command.js';
import { recordCiCommand } from '../../src/commands/record/record.command.js';
import { releaseNotesCommand } from '../../src/commands/release-notes/release-notes.command.js';
import { loadRecords } from '../../src/lib/records/record.store.js';
import { fixturePool, nightlyOptions, run } from './git-fixture.js';
import { serviceStartingStepScript } from './service-starting-step.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

const ALERTS = join(import.meta.dirname, '..', '..', '..', '..', 'slo', 'alerts.json');
const failure = (promise: Promise<unknown>): Promise<AppError> => promise.then(
  () => {
    throw new Error('expected a refusal');
  },
  (error: unknown) => error as AppError,
);

describe('nightly edge cases (slow: real git and child processes)', () => {
  it('runs the default steps: a project that cannot install, build or smoke fails at that step', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: no package.json');
    const base = nightlyOptions(fixture, work, { promote: false });
    const { installCommand: _i, buildCommand: _b, smokeCommand: _s, ...defaults } = base;

    const install = await nightlyCommand(defaults);
    expect(install.status).toBe('failed');
    expect(install.steps.map((s) => s.command)).toEqual(['npm ci']);
    expect(install.reason).toMatch(/^install failed \(exit \d+\); see logs\/install\.log$/);

    const build = await nightlyCommand({ ...defaults, installCommand: [] });
    expect(build.steps.map((s) => s.command)).toEqual(['npm run build']);
    expect(build.reason).toMatch(/^build failed \(exit \d+\)/);

    const smoke = await nightlyCommand({ ...defaults, installCommand: [], buildCommand: [] });
    expect(smoke.steps.map((s) => s.command)).toEqual([expect.stringMatching(/^node tools\/sanctum\/dist\/bin\.js smoke --out .* --target-rps 1000 --soak-duration 15$/) as unknown]);
    expect(smoke.reason).toMatch(/^smoke produced no usable results: no results file at /);
  });

  it('fails a step that outlives --step-timeout', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    // No install step: on a busy machine even a quick one can outlive 300 ms, and this test is about the build's.
    fixture.commitOn('staging', 'feat: slow build');
    const result = await nightlyCommand(nightlyOptions(fixture, work, { installCommand: [], buildCommand: ['node', '-e', 'setTimeout(() => {}, 60_000)'], stepTimeoutMs: 300 }));
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('build failed (timed out); see logs/build.log');
  });

  it('fails a smoke run whose results say passed but whose process failed', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: smoke crashes at exit');
    const script = join(fixture.root, 'smoke-then-fail.cjs');
    writeFileSync(script, "require('node:child_process').execFileSync('node', ['smoke.mjs', ...process.argv.slice(2)]); process.exit(2);\n");
    const result = await nightlyCommand(nightlyOptions(fixture, work, { smokeCommand: ['node', script] }));
    expect(result.status).toBe('failed');
    expect(result.smokePassed).toBe(true);
    expect(result.reason).toBe('smoke ended with exit 2 although its results say passed');
    expect(result.record?.passed).toBe(false);
  });

  it('stops the smoke step and the services it started when interrupted, and records and promotes nothing', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: interrupted');
    const main = fixture.originRev('refs/heads/main');
    // A smoke step that starts a "service" and, on SIGTERM, waits for it to end (as sanctum smoke does).
    const pidFile = join(fixture.root, 'service.pid');
    const script = join(fixture.root, 'slow-smoke.cjs');
    writeFileSync(script, serviceStartingStepScript(pidFile));
    const interrupt = new AbortController();
    const running = nightlyCommand(nightlyOptions(fixture, work, { smokeCommand: ['node', script], signal: interrupt.signal }));
    await vi.waitFor(() => {
      expect(existsSync(pidFile)).toBe(true);
    }, { timeout: 20_000 });
    interrupt.abort('SIGTERM');
    const result = await running;

    expect(result.status).toBe('interrupted');
    expect(result.reason).toBe('interrupted by SIGTERM; nothing was recorded or promoted');
    expect(result.steps.map((s) => [s.name, s.exitCode])).toEqual([['install', 0], ['build', 0], ['smoke', 143]]);
    expect(() => process.kill(Number(readFileSync(pidFile, 'utf8')), 0)).toThrow('ESRCH');
    expect(run(work, ['worktree', 'list']).split('\n')).toHaveLength(1);
    expect(result.record).toBeUndefined();
    expect((await loadRecords({ dir: work })).records).toEqual([]);
    expect(fixture.originRev('refs/heads/main')).toBe(main);
    expect(readFileSync(join(result.outDir, 'summary.md'), 'utf8')).toContain('## Nightly smoke: INTERRUPTED');
  });

  it('promotes even when the records cannot be pushed, with both warnings', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const feature = fixture.commitOn('staging', 'feat: records refused');
    fixture.refuse('refs/notes/*');
    const result = await nightlyCommand(nightlyOptions(fixture, work, { notesRef: 'refs/notes/nightly-runs', now: () => new Date('2025-06-01T02:00:00Z') }));
    expect(result.status).toBe('promoted');
    expect(fixture.originRev('refs/heads/main')).toBe(feature);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^the run record was not pushed: could not push refs\/notes\/nightly-runs/) as unknown,
      expect.stringMatching(/^the promotion record was not stored: /) as unknown,
    ]);
  });

  it('needs main and staging on the remote', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const error = await failure(nightlyCommand(nightlyOptions(fixture, work, { stagingBranch: 'integration' })));
    expect(error.code).toBe('GATE_BRANCH_NOT_FOUND');
    expect(error.message).toBe('origin needs both main and integration');
  });
});

describe('metrics, release notes and CI records edge cases (slow: real git)', () => {
  it('metrics reads slo/alerts.json of the repository by default, other notes refs, and needs both branches', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const missing = await failure(metricsCommand({ dir: work, outDir: join(fixture.root, 'm') }));
    expect(missing.message).toBe(`${join(work, 'slo', 'alerts.json')}: missing or not valid JSON`);

    const notesRef = 'refs/notes/ci-runs';
    await recordCiCommand({ dir: work, success: true, buildTimeS: 120, notesRef });
    const report = await metricsCommand({ dir: work, alertsFile: ALERTS, outDir: join(fixture.root, 'm'), notesRef });
    expect(report.counts.ci).toBe(1);
    expect(report.metrics.find((m) => m.id === 'build_time_minutes')).toMatchObject({ value: 2, status: 'ok' });
    expect((await loadRecords({ dir: work })).records).toEqual([]);
    const noBranch = await failure(metricsCommand({ dir: work, alertsFile: ALERTS, outDir: join(fixture.root, 'm'), stagingBranch: 'integration' }));
    expect(noBranch.code).toBe('GATE_BRANCH_NOT_FOUND');
  });

  it('release notes: everything up to the first release, no changes between equal ends, any revision as the end', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    run(work, ['tag', '-a', '-m', 'r1', 'release/20250101-020000']);
    const first = await releaseNotesCommand({ dir: work });
    expect(first.from).toBeUndefined();
    expect(first.markdown).toBe(
      `## Release 2025-01-01 02:00 UTC — \`release/20250101-020000\`\n\nEverything up to this release.\n\n### Chores\n- initial project (${run(work, ['rev-parse', '--short=7', 'HEAD'])})\n`,
    );
    const same = await releaseNotesCommand({ dir: work, from: 'release/20250101-020000', to: 'release/20250101-020000' });
    expect(same.markdown).toContain('Changes since `release/20250101-020000`.\n\nNo changes.\n');

    fixture.commit(work, 'wip(chat): half done');
    const head = run(work, ['rev-parse', 'HEAD']);
    const toHead = await releaseNotesCommand({ dir: work, from: 'release/20250101-020000', to: head });
    expect(toHead.title).toBe(head);
    expect(toHead.sections.map((s) => [s.type, s.entries.map((e) => e.description)])).toEqual([['other', ['half done']]]);
  });
});
