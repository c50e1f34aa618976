import { AppError } from '@sanctum/kernel';
import { mergeCommit } from '../../lib/git/merge.git.js';
import { describePushFailure, push } from '../../lib/git/push.git.js';
import { fetchRemote, isAncestor, pipelineRepo, remoteRef, resolveCommit } from '../../lib/git/refs.git.js';
import { addWorktree } from '../../lib/git/worktrees.git.js';

export interface BackportOptions {
  readonly dir: string;
  readonly remote?: string;
  readonly mainBranch?: string;
  readonly stagingBranch?: string;
  /** Fetch first (default true). */
  readonly fetch?: boolean;
  /** Named in the merge commit message. */
  readonly reason?: string;
  readonly worktreeParent?: string;
}

export type BackportResult =
  | { readonly status: 'up-to-date'; readonly main: string; readonly staging: string }
  | { readonly status: 'merged'; readonly main: string; readonly staging: string; readonly mergeCommit: string }
  | { readonly status: 'conflict'; readonly main: string; readonly staging: string; readonly files: readonly string[] };

/**
 * Merges main back into staging (the backport after a hotfix) in a worktree of
 * its own, then pushes staging without force. A conflict aborts the merge —
 * nothing half-merged is left anywhere — and is returned with the files.
 */
export async function backportCommand(options: BackportOptions): Promise<BackportResult> {
  const repo = pipelineRepo(options);
  if (options.fetch !== false) await fetchRemote(repo);
  const main = await resolveCommit(repo.dir, remoteRef(repo, repo.mainBranch));
  const staging = await resolveCommit(repo.dir, remoteRef(repo, repo.stagingBranch));
  if (main === undefined || staging === undefined) {
    throw new AppError('GATE_BRANCH_NOT_FOUND', `${repo.remote} needs both ${repo.mainBranch} and ${repo.stagingBranch}`, 404);
  }
  if (await isAncestor(repo.dir, main, staging)) return { status: 'up-to-date', main, staging };

  const worktree = await addWorktree(repo.dir, staging, options.worktreeParent);
  try {
    const message = `chore(release): merge ${repo.mainBranch} into ${repo.stagingBranch}${options.reason === undefined ? '' : ` (${options.reason})`}`;
    const merge = await mergeCommit(worktree.dir, main, message);
    if (merge.status === 'conflict') return { status: 'conflict', main, staging, files: merge.files };
    const outcome = await push(repo.dir, repo.remote, [`${merge.commit}:refs/heads/${repo.stagingBranch}`]);
    if (!outcome.ok) {
      throw new AppError(
        'GATE_PUSH_REJECTED',
        `${repo.remote} refused the backport to ${repo.stagingBranch} (it moved meanwhile?): ${describePushFailure(outcome)}. Run the backport again.`,
        409,
        { rejected: outcome.rejected },
      );
    }
    return { status: 'merged', main, staging, mergeCommit: merge.commit };
  } finally {
    await worktree.remove();
  }
}
