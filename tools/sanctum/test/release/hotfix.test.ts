import { afterEach, describe, expect, it } from 'vitest';
import type { AppError } from '@sanctum/kernel';
import { backportCommand } from '../../src/commands/hotfix/backport.command.js';
import { hotfixFinishCommand, hotfixStartCommand } from '../../src/commands/hotfix/hotfix.command.js';
import { promoteCommand } from '../../src/commands/promote/promote.command.js';
import { loadRecords } from '../../src/lib/records/record.store.js';
import { fixturePool, run, testStaging } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

describe('sanctum hotfix (slow: real git repositories)', () => {
  it('starts hotfix/<name> from main, finishes with a tagged fast-forward and merges main back into staging', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const main = fixture.originRev('refs/heads/main');
    fixture.commitOn('staging', 'feat: on staging', { 'feature.txt': 'feature\n' });

    const started = await hotfixStartCommand({ dir: work, name: 'critical-bug' });
    expect(started).toMatchObject({ branch: 'hotfix/critical-bug', base: main, switched: true });
    expect(run(work, ['branch', '--show-current'])).toBe('hotfix/critical-bug');
    fixture.write(work, { 'bug.txt': 'fixed\n' });
    const fix = fixture.commit(work, 'fix: critical bug');

    const finished = await hotfixFinishCommand({ dir: work, name: 'critical-bug', worktreeParent: fixture.root, now: () => new Date('2025-05-05T05:05:05Z') });

    expect(finished.tag).toBe('release/20250505-050505');
    expect(fixture.originRev('refs/heads/main')).toBe(fix);
    expect(fixture.originRev('refs/tags/release/20250505-050505')).toBe(fix);
    expect(finished.backport.status).toBe('merged');
    const staging = fixture.originRev('refs/heads/staging');
    expect(run(fixture.origin, ['merge-base', '--is-ancestor', fix, staging])).toBe('');
    expect(run(fixture.origin, ['log', '-1', '--format=%s', staging])).toBe('chore(release): merge main into staging (backport hotfix/critical-bug)');
    const { records } = await loadRecords({ dir: work });
    expect(records.map((r) => r.kind)).toEqual(['hotfix']);
    // Staging (with the backport) is promotable again once tested.
    await testStaging(fixture, work);
    expect((await promoteCommand({ dir: work, now: () => new Date('2025-05-06T02:00:00Z') })).status).toBe('promoted');
  });

  it('reports a backport conflict with its files and leaves nothing half-merged', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const stagingBefore = fixture.commitOn('staging', 'feat: change the readme', { 'README.md': '# staging version\n' });
    await hotfixStartCommand({ dir: work, name: 'readme' });
    fixture.write(work, { 'README.md': '# hotfix version\n' });
    const fix = fixture.commit(work, 'fix: readme');

    const finished = await hotfixFinishCommand({ dir: work, name: 'readme', worktreeParent: fixture.root });

    expect(fixture.originRev('refs/heads/main')).toBe(fix);
    expect(finished.backport).toMatchObject({ status: 'conflict', files: ['README.md'] });
    expect(fixture.originRev('refs/heads/staging')).toBe(stagingBefore);
    expect(run(work, ['worktree', 'list']).split('\n')).toHaveLength(1);
    expect(run(work, ['status', '--porcelain'])).toBe('');
  });

  it('refuses a hotfix branch that does not contain main', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    await hotfixStartCommand({ dir: work, name: 'late', switchTo: false });
    fixture.commitOn('main', 'fix: someone else first');
    run(work, ['switch', '--quiet', 'hotfix/late']);
    fixture.commit(work, 'fix: late');
    const error = await hotfixFinishCommand({ dir: work, name: 'late' }).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('GATE_HOTFIX_NOT_FAST_FORWARD');
    expect((error as AppError).message).toContain('git rebase origin/main hotfix/late');
  });

  it('refuses names git cannot use and branches that exist', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    expect(((await hotfixStartCommand({ dir: work, name: 'bad name' }).catch((e: unknown) => e)) as AppError).code).toBe('GATE_BAD_HOTFIX_NAME');
    await hotfixStartCommand({ dir: work, name: 'once', switchTo: false, push: true });
    expect(fixture.originRev('refs/heads/hotfix/once')).toBe(fixture.originRev('refs/heads/main'));
    expect(((await hotfixStartCommand({ dir: work, name: 'once' }).catch((e: unknown) => e)) as AppError).code).toBe('GATE_HOTFIX_EXISTS');
  });

  it('backport alone is a no-op when staging already contains main', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    expect((await backportCommand({ dir: work })).status).toBe('up-to-date');
  });
});
