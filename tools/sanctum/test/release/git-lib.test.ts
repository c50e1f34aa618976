import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, GitError, tryGit } from '../../src/lib/git/git.runner.js';
import { mergeCommit } from '../../src/lib/git/merge.git.js';
import { pushNotes, readAllNotes, writeNote } from '../../src/lib/git/notes.git.js';
import { describePushFailure, push } from '../../src/lib/git/push.git.js';
import { commitsBetween, isAncestor, isValidBranchName } from '../../src/lib/git/refs.git.js';
import { createAnnotatedTag, releaseTagTime } from '../../src/lib/git/tags.git.js';
import { addWorktree } from '../../src/lib/git/worktrees.git.js';
import { appendRecord, loadRecords, RECORDS_NOTES_REF, recordsFor } from '../../src/lib/records/record.store.js';
import type { RunRecord } from '../../src/lib/records/run-record.js';
import { fixturePool, run } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

const ci = (commit: string, time: string, passed = true): RunRecord => ({ schemaVersion: 1, kind: 'ci', commit, time, passed, ci: { success: passed } });

describe('git plumbing of the release commands (real repositories)', () => {
  it('says which git command failed and why, and when git cannot run at all', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const error = await git(work, ['rev-parse', '--verify', 'no-such-branch']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toBe('git rev-parse --verify no-such-branch failed (128): fatal: Needed a single revision');
    expect((error as GitError).output.code).toBe(128);
    // Only standard output to explain it: `git diff --exit-code` lists the change.
    writeFileSync(join(work, 'README.md'), 'changed\n');
    await expect(git(work, ['diff', '--exit-code', '--stat'])).rejects.toThrow(/failed \(1\): README\.md \| 2/);
    await expect(tryGit(join(work, 'missing-folder'), ['status'])).rejects.toThrow(/^could not run git status: /);
  });

  it('knows ancestry, refuses branch names git would reject and reads a whole history', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const main = run(work, ['rev-parse', 'HEAD']);
    await expect(isAncestor(work, 'f'.repeat(40), main)).rejects.toThrow(/^git merge-base --is-ancestor f{40} /);
    expect(await isValidBranchName(work, '-rf')).toBe(false);
    expect(await isValidBranchName(work, 'hotfix/ok-name')).toBe(true);
    expect((await commitsBetween(work, undefined, main)).map((c) => c.subject)).toEqual(['chore: initial project']);
  });

  it('reads release tag names and tags at the current time when no moment is given', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    expect(releaseTagTime('release/20250203-040506')?.toISOString()).toBe('2025-02-03T04:05:06.000Z');
    expect(releaseTagTime('v1.2.3')).toBeUndefined();
    await createAnnotatedTag(work, 'release/20250101-000000', 'HEAD', 'message\n');
    expect(run(work, ['cat-file', '-t', 'release/20250101-000000'])).toBe('tag');
  });

  it('aborts a merge that fails without conflicts and reports it', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    await expect(mergeCommit(work, 'no-such-commit', 'merge')).rejects.toThrow(/^git merge no-such-commit failed: merge: no-such-commit - not something we can merge/);
  });

  it('removes a worktree once, however often asked', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const worktree = await addWorktree(work, 'HEAD', fixture.root);
    expect(existsSync(join(worktree.dir, 'README.md'))).toBe(true);
    await worktree.remove();
    await worktree.remove();
    expect(existsSync(worktree.dir)).toBe(false);
    expect(run(work, ['worktree', 'list']).split('\n')).toHaveLength(1);
  });

  it('explains a push to an unreachable remote from git’s own words', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    run(work, ['remote', 'add', 'gone', join(fixture.root, 'gone.git')]);
    const outcome = await push(work, 'gone', ['HEAD:refs/heads/main']);
    expect(outcome).toMatchObject({ ok: false, rejected: [] });
    expect(describePushFailure(outcome)).toMatch(/does not appear to be a git repository/);
  });

  it('retries a refused notes push after merging, then gives up with the reason', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const head = run(work, ['rev-parse', 'HEAD']);
    await appendRecord({ dir: work }, ci(head, '2025-01-01T00:00:00Z'));
    fixture.refuse('refs/notes/*');
    await expect(pushNotes(work, 'origin', RECORDS_NOTES_REF, 2)).rejects.toThrow(/^could not push refs\/notes\/sanctum-runs to origin: .*protected: refs\/notes\/sanctum-runs/s);
  });

  it('skips records it cannot use and reports why, and sorts them by time', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const head = run(work, ['rev-parse', 'HEAD']);
    const other = 'b'.repeat(40);
    await writeNote(
      work,
      RECORDS_NOTES_REF,
      head,
      [JSON.stringify(ci(head, '2025-01-02T00:00:00Z')), 'not json', JSON.stringify(ci(other, '2025-01-03T00:00:00Z')), JSON.stringify(ci(head, '2025-01-01T00:00:00Z', false))].join('\n'),
    );
    const loaded = await loadRecords({ dir: work });
    expect(loaded.records.map((r) => r.time)).toEqual(['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z']);
    expect(loaded.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/JSON/) as unknown, `record names ${other} but is attached to ${head}`]);
    // Per commit: the same usable records, oldest first (a record naming another commit is still readable here).
    expect((await recordsFor({ dir: work }, head)).map((r) => r.passed)).toEqual([false, true, true]);
  });

  it('reads no notes from a notes ref whose notes were all removed', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    await appendRecord({ dir: work }, ci(run(work, ['rev-parse', 'HEAD']), '2025-01-01T00:00:00Z'));
    run(work, ['notes', `--ref=${RECORDS_NOTES_REF}`, 'remove', 'HEAD']);
    expect(await readAllNotes(work, RECORDS_NOTES_REF)).toEqual([]);
  });
});
