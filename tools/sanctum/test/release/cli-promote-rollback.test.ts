import { afterEach, describe, expect, it } from 'vitest';
import { promoteCommand } from '../../src/commands/promote/promote.command.js';
import type { PromoteResult } from '../../src/commands/promote/promote.command.js';
import type { RollbackResult } from '../../src/commands/rollback/rollback.command.js';
import { EXIT_CODES } from '../../src/lib/exit-code.js';
import { sanctum } from './cli-harness.js';
import { fixturePool, run, testStaging } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

const short = (sha: string): string => sha.slice(0, 7);

describe('sanctum promote through the CLI wiring (slow: real git)', () => {
  it('refuses an untested commit with exit 3 and the reason on standard error', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const untested = fixture.commitOn('staging', 'feat: untested');
    const cli = await sanctum(['promote'], { cwd: work });
    expect(cli.code).toBe(EXIT_CODES.refused);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(new RegExp(`^sanctum: GATE_NOT_TESTED: Refusing to promote ${short(untested)}: it has no nightly record`));
  });

  it('prints the result object with --json, then says there is nothing to promote', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const main = fixture.originRev('refs/heads/main');
    const feature = fixture.commitOn('staging', 'feat: promoted by the CLI');
    await testStaging(fixture, work);

    const cli = await sanctum(['promote', '--json'], { cwd: work });
    expect(cli.code).toBe(0);
    const result = cli.json() as PromoteResult;
    expect(result).toMatchObject({ status: 'promoted', commit: feature, previousMain: main, via: 'git', warnings: [] });
    expect(result.commits).toEqual([{ sha: feature, subject: 'feat: promoted by the CLI' }]);
    expect(fixture.originTags()).toEqual([result.tag]);

    const again = await sanctum(['promote', '--commit', feature], { cwd: work });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`main (${short(feature)}) already contains ${short(feature)}: nothing to promote.`);
  });

  it('takes --remote, --main, --staging and --commit, and prints what it promoted', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const first = fixture.commitOn('staging', 'feat: first');
    fixture.commitOn('staging', 'feat: second, not tested');
    await testStaging(fixture, work);
    run(work, ['remote', 'rename', 'origin', 'upstream']);
    // The staging tip (second) has the record; first has none, so --commit must be honoured to be refused.
    const refusedFirst = await sanctum(['promote', '--remote', 'upstream', '--commit', first], { cwd: work });
    expect(refusedFirst.code).toBe(EXIT_CODES.refused);
    expect(refusedFirst.stderr).toContain(`Refusing to promote ${short(first)}`);

    const cli = await sanctum(['promote', '--remote', 'upstream', '--main', 'main', '--staging', 'staging'], { cwd: work });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^Promoted [0-9a-f]{7} to main as release\/\d{8}-\d{6} \(via git\)\.\nmain: [0-9a-f]{7} → [0-9a-f]{7}, 2 commit\(s\):\n/);
    expect(cli.stdout).toContain(`  ${short(first)} feat: first`);
    expect(cli.stdout).toContain('Smoke: PASSED at 1000 req/s');
    expect(cli.stdout).toMatch(/staging → main lag: [\d.]+ h/);

    const noBranch = await sanctum(['promote', '--remote', 'upstream', '--main', 'production'], { cwd: work });
    expect(noBranch.code).toBe(EXIT_CODES.notFound);
    expect(noBranch.stderr).toBe('sanctum: GATE_BRANCH_NOT_FOUND: upstream has no branch production');
    const noCommit = await sanctum(['promote', '--remote', 'upstream', '--commit', 'no-such-commit'], { cwd: work });
    expect(noCommit.code).toBe(EXIT_CODES.notFound);
    expect(noCommit.stderr).toContain('GATE_COMMIT_NOT_FOUND');
  });
});

describe('sanctum rollback through the CLI wiring (slow: real git)', () => {
  async function twoReleases(): Promise<{ fixture: ReturnType<typeof pool.create>; work: string; first: string; second: string }> {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const first = fixture.commitOn('staging', 'feat: first release');
    await testStaging(fixture, work);
    await promoteCommand({ dir: work, now: () => new Date('2025-01-03T02:00:00Z') });
    const second = fixture.commitOn('staging', 'feat: bad release');
    await testStaging(fixture, work);
    await promoteCommand({ dir: work, now: () => new Date('2025-01-04T02:00:00Z') });
    return { fixture, work, first, second };
  }

  it('shows the plan and exits 3 without --yes; applies it with --yes', async () => {
    const { fixture, work, first, second } = await twoReleases();

    const plan = await sanctum(['rollback', '--to', 'release/20250103-020000'], { cwd: work });
    expect(plan.code).toBe(EXIT_CODES.refused);
    expect(plan.stdout).toBe(
      [
        'Rollback plan (nothing changed yet; run again with --yes to apply):',
        `  main: ${short(second)} → ${short(first)} (release/20250103-020000), removing 1 commit(s):`,
        `    - ${short(second)} feat: bad release`,
        `  staging: ${short(second)} → ${short(first)}, removing 1 commit(s):`,
        `    - ${short(second)} feat: bad release`,
      ].join('\n'),
    );
    expect(plan.stderr).toBe('sanctum: GATE_CONFIRMATION_REQUIRED: Nothing was changed: re-run with --yes to apply this rollback');
    expect(fixture.originRev('refs/heads/main')).toBe(second);

    const applied = await sanctum(['rollback', '--to', 'release/20250103-020000', '--yes', '--json'], { cwd: work });
    expect(applied.code).toBe(0);
    const result = applied.json() as RollbackResult;
    expect(result).toMatchObject({ target: 'main', tag: 'release/20250103-020000', applied: true, warnings: [] });
    expect(result.resets.map((r) => r.branch)).toEqual(['main', 'staging']);
    expect(fixture.originRev('refs/heads/main')).toBe(first);
    expect(fixture.originRev('refs/heads/staging')).toBe(first);
  });

  it('rollback staging resets staging to main, and has nothing to do the second time', async () => {
    const { fixture, work, second } = await twoReleases();
    const ahead = fixture.commitOn('staging', 'feat: to be dropped');
    const cli = await sanctum(['rollback', 'staging', '--yes'], { cwd: work });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(`Rolled back:\n  staging: ${short(ahead)} → ${short(second)}, removing 1 commit(s):\n    - ${short(ahead)} feat: to be dropped`);
    expect(fixture.originRev('refs/heads/staging')).toBe(second);
    const nothing = await sanctum(['rollback', 'staging'], { cwd: work });
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toBe('Nothing to roll back: the branches already point there.');
  });

  it('refuses what is not a rollback: another word (2), not a release tag (2), an unknown tag (4)', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const word = await sanctum(['rollback', 'main'], { cwd: work });
    expect(word.code).toBe(EXIT_CODES.usage);
    expect(word.stderr).toBe('sanctum: GATE_BAD_ARGUMENT: rollback takes --to <release tag>, or "staging"; not "main"');
    const notRelease = await sanctum(['rollback', '--to', 'v1.0.0', '--yes'], { cwd: work });
    expect(notRelease.code).toBe(EXIT_CODES.usage);
    expect(notRelease.stderr).toContain('GATE_NOT_A_RELEASE_TAG');
    const unknown = await sanctum(['rollback', '--to', 'release/20200101-000000', '--yes'], { cwd: work });
    expect(unknown.code).toBe(EXIT_CODES.notFound);
    expect(unknown.stderr).toBe('sanctum: GATE_REF_NOT_FOUND: release/20200101-000000 does not exist (after fetching origin)');
    expect(fixture.originRev('refs/heads/main')).toBe(fixture.originRev('refs/heads/staging'));
  });
});
