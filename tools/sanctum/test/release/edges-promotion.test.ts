import { afterEach, describe, expect, it } from 'vitest';
import type { AppError } from '@sanctum/kernel';
import { backportCommand } from '../../src/commands/hotfix/backport.command.js';
import { hotfixFinishCommand, hotfixStartCommand } from '../../src/commands/hotfix/hotfix.command.js';
import { promoteCommand } from '../../src/commands/promote/promote.command.js';
import { rollbackCommand } from '../../src/commands/rollback/rollback.command.js';
import { loadRecords } from '../../src/lib/records/record.store.js';
import { nightlyCommand } from '../../src/commands/nightly/nightly.command.js';
import { fixturePool, nightlyOptions, run, testStaging } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

const at = (iso: string) => () => new Date(iso);
const failure = (promise: Promise<unknown>): Promise<AppError> => promise.then(
  () => {
    throw new Error('expected a refusal');
  },
  (error: unknown) => error as AppError,
);

describe('promotion, rollback and hotfix edge cases (slow: real git)', () => {
  it('keeps the release when only its record cannot be pushed, and says so', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const feature = fixture.commitOn('staging', 'feat: released, record refused');
    await testStaging(fixture, work);
    fixture.refuse('refs/notes/*');

    const result = await promoteCommand({ dir: work, now: at('2025-03-03T03:03:03Z') });

    expect(result.status).toBe('promoted');
    expect(fixture.originRev('refs/heads/main')).toBe(feature);
    expect(result.warnings).toEqual([expect.stringMatching(/^the promotion record was not stored: could not push refs\/notes\/sanctum-runs to origin: .*protected/s) as unknown]);
  });

  it('refuses a release tag that already exists for this second', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: twice in a second');
    await testStaging(fixture, work);
    run(work, ['tag', 'release/20250303-030303', 'origin/main']);
    // A local tag the remote does not have is pruned by the fetch, so skip it.
    const error = await failure(promoteCommand({ dir: work, fetch: false, now: at('2025-03-03T03:03:03Z') }));
    expect(error.code).toBe('GATE_TAG_EXISTS');
  });

  it('keeps records in another notes ref when asked', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const notesRef = 'refs/notes/release-runs';
    const feature = fixture.commitOn('staging', 'feat: own notes');
    await testStaging(fixture, work);
    // The nightly record is in the default ref, so with another ref the commit counts as untested.
    expect((await failure(promoteCommand({ dir: work, notesRef }))).code).toBe('GATE_NOT_TESTED');
    await nightlyCommand(nightlyOptions(fixture, work, { promote: false, notesRef }));
    const promoted = await promoteCommand({ dir: work, notesRef, now: at('2025-03-04T00:00:00Z') });
    expect(promoted.status).toBe('promoted');
    expect(run(fixture.origin, ['notes', `--ref=${notesRef}`, 'show', feature])).toContain('"kind":"promotion"');
    const rollback = await rollbackCommand({ dir: work, target: 'staging', yes: true, notesRef });
    expect(rollback.applied).toBe(false);
  });

  it('refuses a rollback to a release tag that is not in main’s history, and one the remote refuses', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const staged = fixture.commitOn('staging', 'feat: never released');
    run(fixture.seed, ['tag', '-a', '-m', 'stray', 'release/20250101-000000', staged]);
    run(fixture.seed, ['push', '--quiet', 'origin', 'refs/tags/release/20250101-000000']);
    const stray = await failure(rollbackCommand({ dir: work, target: 'main', to: 'release/20250101-000000', yes: true }));
    expect(stray.code).toBe('GATE_TAG_NOT_ON_MAIN');

    fixture.refuse('refs/heads/staging');
    const refused = await failure(rollbackCommand({ dir: work, target: 'staging', yes: true }));
    expect(refused.code).toBe('GATE_PUSH_REJECTED');
    expect(refused.message).toMatch(/^origin refused the rollback .*refs\/heads\/staging \(\[remote rejected\] \(pre-receive hook declined\)\)\. Nothing was changed\.$/);
    expect(fixture.originRev('refs/heads/staging')).toBe(staged);
  });

  it('warns when the rollback record cannot be pushed, after rolling back', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const first = fixture.originRev('refs/heads/main');
    run(fixture.seed, ['tag', '-a', '-m', 'r0', 'release/20250101-000000', first]);
    run(fixture.seed, ['push', '--quiet', 'origin', 'refs/tags/release/20250101-000000']);
    fixture.commitOn('staging', 'feat: bad');
    await testStaging(fixture, work);
    await promoteCommand({ dir: work, now: at('2025-01-02T00:00:00Z') });
    fixture.refuse('refs/notes/*');
    const result = await rollbackCommand({ dir: work, target: 'main', to: 'release/20250101-000000', yes: true, now: at('2025-01-03T00:00:00Z') });
    expect(result.applied).toBe(true);
    expect(fixture.originRev('refs/heads/main')).toBe(first);
    expect(result.warnings).toEqual([expect.stringMatching(/^the rollback record was not stored: /) as unknown]);
  });

  it('reports pushes the remote refuses for hotfix start, finish and backport, changing nothing', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const main = fixture.originRev('refs/heads/main');
    fixture.refuse('refs/heads/hotfix/*|refs/heads/main');
    const start = await failure(hotfixStartCommand({ dir: work, name: 'blocked', push: true }));
    expect(start.code).toBe('GATE_PUSH_REJECTED');
    expect(start.message).toContain('origin refused hotfix/blocked: refs/heads/hotfix/blocked ([remote rejected] (pre-receive hook declined))');

    fixture.write(work, { 'fix.txt': 'fixed\n' });
    fixture.commit(work, 'fix: blocked');
    const finish = await failure(hotfixFinishCommand({ dir: work, name: 'blocked', now: at('2025-04-04T04:04:04Z') }));
    expect(finish.code).toBe('GATE_PUSH_REJECTED');
    expect(fixture.originRev('refs/heads/main')).toBe(main);
    expect(run(work, ['tag', '--list', 'release/*'])).toBe('');

    // The fetch prunes release tags the remote lacks, so the clashing tag must be on origin.
    run(fixture.seed, ['tag', 'release/20250404-040404', main]);
    run(fixture.seed, ['push', '--quiet', 'origin', 'refs/tags/release/20250404-040404']);
    const taken = await failure(hotfixFinishCommand({ dir: work, name: 'blocked', now: at('2025-04-04T04:04:04Z') }));
    expect(taken.code).toBe('GATE_TAG_EXISTS');
  });

  it('finishes a hotfix whose record cannot be pushed with a warning', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    await hotfixStartCommand({ dir: work, name: 'late-record' });
    fixture.write(work, { 'fix.txt': 'fixed\n' });
    const fix = fixture.commit(work, 'fix: late record');
    fixture.refuse('refs/notes/*');

    const result = await hotfixFinishCommand({ dir: work, name: 'late-record', notesRef: 'refs/notes/hotfix-runs', now: at('2025-05-05T05:05:05Z') });

    expect(fixture.originRev('refs/heads/main')).toBe(fix);
    expect(result.backport.status).toBe('merged');
    expect(result.warnings).toEqual([expect.stringMatching(/^the hotfix record was not stored: could not push refs\/notes\/hotfix-runs/) as unknown]);
    expect((await loadRecords({ dir: work, notesRef: 'refs/notes/hotfix-runs' })).records.map((r) => r.kind)).toEqual(['hotfix']);
  });

  it('reports a backport the remote refuses', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const staging = fixture.originRev('refs/heads/staging');
    fixture.commitOn('main', 'fix: straight to main');
    fixture.refuse('refs/heads/staging');
    const error = await failure(backportCommand({ dir: work, worktreeParent: fixture.root }));
    expect(error.code).toBe('GATE_PUSH_REJECTED');
    expect(error.message).toContain('origin refused the backport to staging (it moved meanwhile?): refs/heads/staging ([remote rejected] (pre-receive hook declined))');
    expect(fixture.originRev('refs/heads/staging')).toBe(staging);
  });

  it('needs main and staging on the remote', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const noMain = { dir: work, mainBranch: 'production' };
    expect((await failure(hotfixStartCommand({ ...noMain, name: 'x' }))).code).toBe('GATE_BRANCH_NOT_FOUND');
    run(work, ['branch', 'hotfix/y']);
    expect((await failure(hotfixFinishCommand({ ...noMain, name: 'y' }))).message).toBe('origin has no branch production');
    expect((await failure(backportCommand({ dir: work, stagingBranch: 'integration' }))).message).toBe('origin needs both main and integration');
    expect((await failure(rollbackCommand({ dir: work, target: 'staging', yes: false, stagingBranch: 'integration' }))).code).toBe('GATE_REF_NOT_FOUND');
  });
});
