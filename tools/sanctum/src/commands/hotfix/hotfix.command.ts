import { AppError } from '@sanctum/kernel';
import { git } from '../../lib/git/git.runner.js';
import { describePushFailure, push } from '../../lib/git/push.git.js';
import { commitsBetween, fetchRemote, isAncestor, isValidBranchName, pipelineRepo, remoteRef, resolveCommit } from '../../lib/git/refs.git.js';
import type { PipelineRepo } from '../../lib/git/refs.git.js';
import { createAnnotatedTag, deleteLocalTag, releaseTagName, tagExists } from '../../lib/git/tags.git.js';
import { appendRecord, publishRecords, syncRecords } from '../../lib/records/record.store.js';
import { RUN_RECORD_SCHEMA_VERSION } from '../../lib/records/run-record.js';
import { backportCommand } from './backport.command.js';
import type { BackportResult } from './backport.command.js';

export interface HotfixRepoOptions {
  readonly dir: string;
  readonly remote?: string;
  readonly mainBranch?: string;
  readonly stagingBranch?: string;
}

export interface HotfixStartOptions extends HotfixRepoOptions {
  readonly name: string;
  /** Check the new branch out (default true). */
  readonly switchTo?: boolean;
  /** Push the branch to the remote (for a pull request). */
  readonly push?: boolean;
}

export interface HotfixStartResult {
  readonly branch: string;
  readonly base: string;
  readonly switched: boolean;
  readonly pushed: boolean;
}

async function branchFor(repo: PipelineRepo, name: string): Promise<string> {
  const branch = `hotfix/${name}`;
  if (name.length === 0 || !(await isValidBranchName(repo.dir, branch))) {
    throw new AppError('GATE_BAD_HOTFIX_NAME', `"${name}" cannot name a branch (hotfix/${name})`, 400);
  }
  return branch;
}

/** `sanctum hotfix start <name>`: `hotfix/<name>` from the remote's main. */
export async function hotfixStartCommand(options: HotfixStartOptions): Promise<HotfixStartResult> {
  const repo = pipelineRepo(options);
  const branch = await branchFor(repo, options.name);
  await fetchRemote(repo);
  const base = await resolveCommit(repo.dir, remoteRef(repo, repo.mainBranch));
  if (base === undefined) throw new AppError('GATE_BRANCH_NOT_FOUND', `${repo.remote} has no branch ${repo.mainBranch}`, 404);
  if ((await resolveCommit(repo.dir, `refs/heads/${branch}`)) !== undefined) {
    throw new AppError('GATE_HOTFIX_EXISTS', `${branch} already exists; finish it or pick another name`, 409);
  }
  const switched = options.switchTo !== false;
  await git(repo.dir, switched ? ['switch', '--quiet', '--no-track', '-c', branch, base] : ['branch', '--no-track', branch, base]);
  if (options.push === true) {
    const outcome = await push(repo.dir, repo.remote, [`refs/heads/${branch}:refs/heads/${branch}`]);
    if (!outcome.ok) throw new AppError('GATE_PUSH_REJECTED', `${repo.remote} refused ${branch}: ${describePushFailure(outcome)}`, 409);
  }
  return { branch, base, switched, pushed: options.push === true };
}

export interface HotfixFinishOptions extends HotfixRepoOptions {
  readonly name: string;
  readonly notesRef?: string;
  readonly worktreeParent?: string;
  readonly now?: () => Date;
}

export interface HotfixFinishResult {
  readonly branch: string;
  readonly commit: string;
  readonly previousMain: string;
  /** Absent when main already contained the hotfix (only the backport ran). */
  readonly tag?: string;
  readonly commits: readonly { sha: string; subject: string }[];
  readonly backport: BackportResult;
  readonly warnings: readonly string[];
}

/**
 * `sanctum hotfix finish <name>`: fast-forwards main to the hotfix, tags it
 * as a release and pushes both atomically (never forced), then merges main
 * back into staging. A backport conflict is reported, not left half-merged.
 */
export async function hotfixFinishCommand(options: HotfixFinishOptions): Promise<HotfixFinishResult> {
  const repo = pipelineRepo(options);
  const branch = await branchFor(repo, options.name);
  await fetchRemote(repo);
  const commit = (await resolveCommit(repo.dir, `refs/heads/${branch}`)) ?? (await resolveCommit(repo.dir, remoteRef(repo, branch)));
  if (commit === undefined) throw new AppError('GATE_BRANCH_NOT_FOUND', `No branch ${branch} here or on ${repo.remote}`, 404);
  const main = await resolveCommit(repo.dir, remoteRef(repo, repo.mainBranch));
  if (main === undefined) throw new AppError('GATE_BRANCH_NOT_FOUND', `${repo.remote} has no branch ${repo.mainBranch}`, 404);

  let tag: string | undefined;
  let commits: { sha: string; subject: string }[] = [];
  const warnings: string[] = [];
  if (!(await isAncestor(repo.dir, commit, main))) {
    if (!(await isAncestor(repo.dir, main, commit))) {
      throw new AppError(
        'GATE_HOTFIX_NOT_FAST_FORWARD',
        `${branch} does not contain ${repo.remote}/${repo.mainBranch} (${main.slice(0, 7)}): rebase it first — ` +
          `\`git rebase ${repo.remote}/${repo.mainBranch} ${branch}\` — then finish again.`,
        409,
      );
    }
    commits = (await commitsBetween(repo.dir, main, commit)).map((c) => ({ sha: c.sha, subject: c.subject }));
    const at = (options.now ?? (() => new Date()))();
    tag = releaseTagName(at);
    if (await tagExists(repo.dir, tag)) throw new AppError('GATE_TAG_EXISTS', `Tag ${tag} already exists; try again in a second`, 409);
    const message = [`Hotfix release ${tag.slice('release/'.length)} (UTC)`, '', `Hotfix ${branch}: ${commits.map((c) => c.subject).join('; ')}`, ''].join('\n');
    await createAnnotatedTag(repo.dir, tag, commit, message, at);
    const mainRef = `refs/heads/${repo.mainBranch}`;
    const outcome = await push(repo.dir, repo.remote, [`${commit}:${mainRef}`, `refs/tags/${tag}:refs/tags/${tag}`], {
      atomic: true,
      leases: [{ ref: mainRef, expected: main }],
    });
    if (!outcome.ok) {
      await deleteLocalTag(repo.dir, tag);
      throw new AppError('GATE_PUSH_REJECTED', `${repo.remote} refused the hotfix on ${repo.mainBranch}: ${describePushFailure(outcome)}. Nothing was changed.`, 409, {
        rejected: outcome.rejected,
      });
    }
    warnings.push(...(await recordHotfix(repo, options, { commit, tag, main, at, branch, commits: commits.length })));
  }
  const backport = await backportCommand({
    dir: repo.dir,
    remote: repo.remote,
    mainBranch: repo.mainBranch,
    stagingBranch: repo.stagingBranch,
    reason: `backport ${branch}`,
    ...(options.worktreeParent === undefined ? {} : { worktreeParent: options.worktreeParent }),
  });
  return { branch, commit, previousMain: main, ...(tag === undefined ? {} : { tag }), commits, backport, warnings };
}

async function recordHotfix(
  repo: PipelineRepo,
  options: HotfixFinishOptions,
  hotfix: { commit: string; tag: string; main: string; at: Date; branch: string; commits: number },
): Promise<string[]> {
  const notes = options.notesRef === undefined ? {} : { notesRef: options.notesRef };
  try {
    await syncRecords({ dir: repo.dir, remote: repo.remote, ...notes });
    await appendRecord(
      { dir: repo.dir, ...notes },
      {
        schemaVersion: RUN_RECORD_SCHEMA_VERSION,
        kind: 'hotfix',
        commit: hotfix.commit,
        time: hotfix.at.toISOString(),
        passed: true,
        release: { tag: hotfix.tag, previousMain: hotfix.main, hotfix: hotfix.branch },
      },
    );
    await publishRecords({ dir: repo.dir, remote: repo.remote, ...notes });
    return [];
  } catch (error) {
    return [`the hotfix record was not stored: ${error instanceof Error ? error.message : String(error)}`];
  }
}
