import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, tryGit } from './git.runner.js';

/** A detached checkout of one commit, apart from the caller's working tree. */
export interface Worktree {
  readonly dir: string;
  readonly commit: string;
  /** Removes the checkout and its administrative files; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Checks `commit` out, detached, in a new folder (under `parent`, or the
 * system's temporary folder), so the run tests exactly that commit whatever
 * the branch does meanwhile and whatever state the caller's checkout is in.
 */
export async function addWorktree(repoDir: string, commit: string, parent?: string): Promise<Worktree> {
  const dir = await mkdtemp(join(parent ?? tmpdir(), 'sanctum-wt-'));
  await git(repoDir, ['worktree', 'add', '--detach', '--quiet', dir, commit]);
  let removed = false;
  return {
    dir,
    commit,
    remove: async () => {
      if (removed) return;
      removed = true;
      // --force: installs and builds leave untracked files behind.
      await tryGit(repoDir, ['worktree', 'remove', '--force', dir]);
      await rm(dir, { recursive: true, force: true });
      await tryGit(repoDir, ['worktree', 'prune']);
    },
  };
}
