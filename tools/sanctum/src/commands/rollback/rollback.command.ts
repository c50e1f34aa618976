import { AppError } from '@sanctum/kernel';
import { describePushFailure, push } from '../../lib/git/push.git.js';
import { commitsBetween, fetchRemote, isAncestor, pipelineRepo, remoteRef, resolveCommit } from '../../lib/git/refs.git.js';
import type { PipelineRepo } from '../../lib/git/refs.git.js';
import { isReleaseTagName } from '../../lib/git/tags.git.js';
import { appendRecord, publishRecords, syncRecords } from '../../lib/records/record.store.js';
import { RUN_RECORD_SCHEMA_VERSION } from '../../lib/records/run-record.js';

export interface RollbackOptions {
  readonly dir: string;
  readonly remote?: string;
  readonly mainBranch?: string;
  readonly stagingBranch?: string;
  /** `main`: reset main to `to` and staging to main. `staging`: reset staging to main. */
  readonly target: 'main' | 'staging';
  /** The release tag to go back to (target main only). */
  readonly to?: string;
  /** Without it nothing changes: the result only shows what would. */
  readonly yes: boolean;
  readonly notesRef?: string;
  readonly now?: () => Date;
}

export interface BranchReset {
  readonly branch: string;
  readonly from: string;
  readonly to: string;
  /** Commits the branch loses, newest first. */
  readonly removed: readonly { sha: string; subject: string }[];
}

export interface RollbackResult {
  readonly target: 'main' | 'staging';
  readonly tag?: string;
  /** False when --yes was not given (the plan only) or there was nothing to change. */
  readonly applied: boolean;
  readonly resets: readonly BranchReset[];
  readonly warnings: readonly string[];
}

/**
 * `sanctum rollback`: resets main to a release tag and staging to main (or
 * only staging to main) with explicit `--force-with-lease` values, so a branch
 * that moved since we looked is never overwritten. Explicit, never automatic:
 * it needs `yes`, and without it returns the plan.
 */
export async function rollbackCommand(options: RollbackOptions): Promise<RollbackResult> {
  const repo = pipelineRepo(options);
  if (options.target === 'main' && (options.to === undefined || !isReleaseTagName(options.to))) {
    throw new AppError('GATE_NOT_A_RELEASE_TAG', `Rollback goes back to a release tag (release/YYYYMMDD-HHMMSS), not "${options.to ?? ''}"`, 400);
  }
  await fetchRemote(repo);
  const main = await requireCommit(repo, remoteRef(repo, repo.mainBranch), `${repo.remote}/${repo.mainBranch}`);
  const staging = await requireCommit(repo, remoteRef(repo, repo.stagingBranch), `${repo.remote}/${repo.stagingBranch}`);
  const destination = options.target === 'main' ? await requireCommit(repo, `refs/tags/${options.to ?? ''}`, options.to ?? '') : main;
  if (options.target === 'main' && !(await isAncestor(repo.dir, destination, main))) {
    throw new AppError('GATE_TAG_NOT_ON_MAIN', `${options.to ?? ''} is not in ${repo.mainBranch}'s history; a rollback only goes back`, 409);
  }

  const resets: BranchReset[] = [];
  if (options.target === 'main' && destination !== main) resets.push(await planReset(repo, repo.mainBranch, main, destination));
  if (staging !== destination) resets.push(await planReset(repo, repo.stagingBranch, staging, destination));
  const plan = { target: options.target, ...(options.to === undefined ? {} : { tag: options.to }), resets };
  if (!options.yes || resets.length === 0) return { ...plan, applied: false, warnings: [] };

  const outcome = await push(
    repo.dir,
    repo.remote,
    resets.map((r) => `${r.to}:refs/heads/${r.branch}`),
    { atomic: true, leases: resets.map((r) => ({ ref: `refs/heads/${r.branch}`, expected: r.from })) },
  );
  if (!outcome.ok) {
    throw new AppError(
      'GATE_PUSH_REJECTED',
      `${repo.remote} refused the rollback (a branch moved since it was read, or protection forbids force pushes): ${describePushFailure(outcome)}. Nothing was changed.`,
      409,
      { rejected: outcome.rejected },
    );
  }
  return { ...plan, applied: true, warnings: await recordRollback(repo, options, destination, main, staging) };
}

async function requireCommit(repo: PipelineRepo, ref: string, name: string): Promise<string> {
  const sha = await resolveCommit(repo.dir, ref);
  if (sha === undefined) throw new AppError('GATE_REF_NOT_FOUND', `${name} does not exist (after fetching ${repo.remote})`, 404);
  return sha;
}

async function planReset(repo: PipelineRepo, branch: string, from: string, to: string): Promise<BranchReset> {
  const removed = await commitsBetween(repo.dir, to, from);
  return { branch, from, to, removed: removed.map((c) => ({ sha: c.sha, subject: c.subject })) };
}

async function recordRollback(repo: PipelineRepo, options: RollbackOptions, to: string, main: string, staging: string): Promise<string[]> {
  if (options.target !== 'main' || options.to === undefined) return [];
  const notes = options.notesRef === undefined ? {} : { notesRef: options.notesRef };
  try {
    await syncRecords({ dir: repo.dir, remote: repo.remote, ...notes });
    await appendRecord(
      { dir: repo.dir, ...notes },
      {
        schemaVersion: RUN_RECORD_SCHEMA_VERSION,
        kind: 'rollback',
        commit: to,
        time: (options.now ?? (() => new Date()))().toISOString(),
        passed: true,
        rollback: { tag: options.to, previousMain: main, previousStaging: staging },
      },
    );
    await publishRecords({ dir: repo.dir, remote: repo.remote, ...notes });
    return [];
  } catch (error) {
    return [`the rollback record was not stored: ${error instanceof Error ? error.message : String(error)}`];
  }
}
