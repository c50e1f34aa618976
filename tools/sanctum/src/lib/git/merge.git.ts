import { git, tryGit } from './git.runner.js';

export type MergeOutcome =
  | { readonly status: 'merged'; readonly commit: string }
  | { readonly status: 'conflict'; readonly files: readonly string[]; readonly message: string };

/**
 * Merges `commit` into whatever `worktreeDir` has checked out, creating a
 * merge commit with `message`. On a conflict the merge is aborted before
 * returning, so no half-merged state is left behind.
 */
export async function mergeCommit(worktreeDir: string, commit: string, message: string): Promise<MergeOutcome> {
  const output = await tryGit(worktreeDir, ['merge', '--no-ff', '--no-edit', '-m', message, commit]);
  if (output.code === 0) return { status: 'merged', commit: await git(worktreeDir, ['rev-parse', 'HEAD']) };
  const unmerged = await git(worktreeDir, ['diff', '--name-only', '--diff-filter=U']);
  const files = unmerged.split('\n').filter((file) => file.length > 0);
  await tryGit(worktreeDir, ['merge', '--abort']);
  if (files.length === 0) throw new Error(`git merge ${commit} failed: ${output.stderr.trim() || output.stdout.trim()}`);
  return { status: 'conflict', files, message: output.stdout.trim() };
}
