import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HotfixFinishResult, HotfixStartResult } from '../../src/commands/hotfix/hotfix.command.js';
import type { RecordResult } from '../../src/commands/record/record.command.js';
import { EXIT_CODES } from '../../src/lib/exit-code.js';
import { loadRecords } from '../../src/lib/records/record.store.js';
import { sanctum } from './cli-harness.js';
import { fixturePool, run } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

const short = (sha: string): string => sha.slice(0, 7);

describe('sanctum hotfix through the CLI wiring (slow: real git)', () => {
  it('start (--no-switch --push), finish with a clean backport, then backport has nothing to do', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const main = fixture.originRev('refs/heads/main');
    fixture.commitOn('staging', 'feat: elsewhere', { 'feature.txt': 'x\n' });

    const started = await sanctum(['hotfix', 'start', 'urgent', '--no-switch', '--push', '--json'], { cwd: work });
    expect(started.code).toBe(0);
    expect(started.json() as HotfixStartResult).toEqual({ branch: 'hotfix/urgent', base: main, switched: false, pushed: true });
    expect(run(work, ['branch', '--show-current'])).toBe('main');
    expect(fixture.originRev('refs/heads/hotfix/urgent')).toBe(main);
    const exists = await sanctum(['hotfix', 'start', 'urgent'], { cwd: work });
    expect(exists.code).toBe(EXIT_CODES.refused);
    expect(exists.stderr).toBe('sanctum: GATE_HOTFIX_EXISTS: hotfix/urgent already exists; finish it or pick another name');

    run(work, ['switch', '--quiet', 'hotfix/urgent']);
    fixture.write(work, { 'bug.txt': 'fixed\n' });
    const fix = fixture.commit(work, 'fix: urgent bug');
    const finished = await sanctum(['hotfix', 'finish', 'urgent', '--worktree-dir', '..', '--json'], { cwd: work });
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    const result = finished.json() as HotfixFinishResult;
    expect(result).toMatchObject({ branch: 'hotfix/urgent', commit: fix, previousMain: main, backport: { status: 'merged' }, warnings: [] });
    expect(result.tag).toMatch(/^release\/\d{8}-\d{6}$/);
    expect(fixture.originRev('refs/heads/main')).toBe(fix);

    const again = await sanctum(['hotfix', 'finish', 'urgent'], { cwd: work });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^main already contains hotfix/urgent \\(${short(fix)}\\)\\.\\nstaging \\([0-9a-f]{7}\\) already contains main \\(${short(fix)}\\): nothing to backport\\.$`));
    const backport = await sanctum(['hotfix', 'backport'], { cwd: work });
    expect(backport.code).toBe(0);
    expect(backport.stdout).toContain('nothing to backport');
  });

  it('reports a backport conflict with exit 3 and the files, from finish and from backport', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: readme on staging', { 'README.md': 'staging\n' });
    expect((await sanctum(['hotfix', 'start', 'readme'], { cwd: work })).stdout).toMatch(/^Created hotfix\/readme from main \([0-9a-f]{7}\) and switched to it\./);
    fixture.write(work, { 'README.md': 'hotfix\n' });
    const fix = fixture.commit(work, 'fix: readme');

    const finished = await sanctum(['hotfix', 'finish', 'readme'], { cwd: work });
    expect(finished.code).toBe(EXIT_CODES.refused);
    expect(finished.stdout).toMatch(new RegExp(`^Fast-forwarded main [0-9a-f]{7} → ${short(fix)} and tagged release/\\d{8}-\\d{6} \\(pushed atomically\\):`));
    expect(finished.stdout).toContain('Backport CONFLICT');
    expect(finished.stderr).toBe('sanctum: GATE_BACKPORT_CONFLICT: Merging main into staging conflicts in README.md; the merge was aborted');
    expect(fixture.originRev('refs/heads/main')).toBe(fix);

    const backport = await sanctum(['hotfix', 'backport', '--json'], { cwd: work });
    expect(backport.code).toBe(EXIT_CODES.refused);
    expect(backport.json()).toMatchObject({ status: 'conflict', files: ['README.md'] });
  });

  it('refuses bad names (2), unknown branches (4) and a bare `hotfix` (usage, 2)', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const bad = await sanctum(['hotfix', 'start', 'two words'], { cwd: work });
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toContain('GATE_BAD_HOTFIX_NAME');
    const missing = await sanctum(['hotfix', 'finish', 'never-started'], { cwd: work });
    expect(missing.code).toBe(EXIT_CODES.notFound);
    expect(missing.stderr).toBe('sanctum: GATE_BRANCH_NOT_FOUND: No branch hotfix/never-started here or on origin');
    const bare = await sanctum(['hotfix'], { cwd: work });
    expect(bare.code).toBe(EXIT_CODES.usage);
    expect(bare.stderr).toContain('Usage: sanctum hotfix [options] [command]');
  });
});

describe('sanctum record ci through the CLI wiring (slow: real git)', () => {
  it('records a CI run with its facts, reads the coverage file relative to the working directory and pushes', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    mkdirSync(join(work, 'coverage'));
    const totals = { statements: { pct: 93.5 }, branches: { pct: 88.1 }, functions: { pct: 96 }, lines: { pct: 94 } };
    writeFileSync(join(work, 'coverage', 'coverage-summary.json'), JSON.stringify({ total: totals }));
    const head = run(work, ['rev-parse', 'HEAD']);

    const cli = await sanctum(
      ['record', 'ci', '--build-time', '150', '--coverage-summary', 'coverage/coverage-summary.json', '--workflow', 'staging', '--run-id', '42', '--duration', '300', '--json'],
      { cwd: work },
    );

    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const result = cli.json() as RecordResult;
    expect(result.pushed).toBe(true);
    expect(result.record).toMatchObject({
      kind: 'ci',
      commit: head,
      passed: true,
      durationS: 300,
      ci: { success: true, buildTimeS: 150, workflow: 'staging', runId: '42', coverage: { statements: 93.5, branches: 88.1, functions: 96, lines: 94 } },
    });
    // The record reached origin: a fresh clone sees it.
    const other = fixture.clone('other');
    run(other, ['fetch', '--quiet', 'origin', 'refs/notes/*:refs/notes/*']);
    expect((await loadRecords({ dir: other })).records).toEqual([result.record]);

    const failed = await sanctum(['record', 'ci', '--failure', '--no-push', '--commit', head], { cwd: work });
    expect(failed.code).toBe(0);
    expect(failed.stdout).toBe(`Recorded CI run of ${short(head)} (failure).`);
    const pushed = await sanctum(['record', 'ci'], { cwd: work });
    expect(pushed.stdout).toBe(`Recorded CI run of ${short(head)} (success), pushed.`);
  });

  it('refuses bad input with exit 2 and an unknown commit with exit 4', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const negative = await sanctum(['record', 'ci', '--build-time', '-5'], { cwd: work });
    expect(negative.code).toBe(EXIT_CODES.usage);
    expect(negative.stderr).toContain("error: option '--build-time <seconds>' argument '-5' is invalid. expected a positive number, got -5");
    const noFile = await sanctum(['record', 'ci', '--coverage-summary', 'nope.json', '--no-push'], { cwd: work });
    expect(noFile.code).toBe(EXIT_CODES.usage);
    expect(noFile.stderr).toBe(`sanctum: GATE_BAD_COVERAGE_FILE: ${join(work, 'nope.json')} is missing or not JSON (expected coverage-summary.json)`);
    writeFileSync(join(work, 'partial.json'), JSON.stringify({ total: { statements: { pct: 90 } } }));
    const partial = await sanctum(['record', 'ci', '--coverage-summary', 'partial.json', '--no-push'], { cwd: work });
    expect(partial.code).toBe(EXIT_CODES.usage);
    expect(partial.stderr).toContain('has no total.branches.pct');
    const unknown = await sanctum(['record', 'ci', '--commit', 'not-a-commit', '--no-push'], { cwd: work });
    expect(unknown.code).toBe(EXIT_CODES.notFound);
    expect(unknown.stderr).toBe('sanctum: GATE_COMMIT_NOT_FOUND: No commit not-a-commit');
  });
});
