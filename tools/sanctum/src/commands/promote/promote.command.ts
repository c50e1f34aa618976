import { AppError } from '@sanctum/kernel';
import type { GitHubTarget } from '../../lib/github/github.client.js';
import { git } from '../../lib/git/git.runner.js';
import { push, describePushFailure } from '../../lib/git/push.git.js';
import { commitsBetween, fetchRemote, isAncestor, pipelineRepo, remoteRef, resolveCommit } from '../../lib/git/refs.git.js';
import type { CommitSummary, PipelineRepo } from '../../lib/git/refs.git.js';
import { createAnnotatedTag, deleteLocalTag, releaseTagName, tagExists } from '../../lib/git/tags.git.js';
import { appendRecord, publishRecords, syncRecords } from '../../lib/records/record.store.js';
import { RUN_RECORD_SCHEMA_VERSION } from '../../lib/records/run-record.js';
import type { RunRecord } from '../../lib/records/run-record.js';
import { sloSummaryLines } from '../../lib/records/slo-summary.js';
import { requireMainIsAncestor, requirePassingRecord } from './promote.gates.js';
import { promoteThroughGitHub } from './promote.github.js';

export interface PromoteOptions {
  /** A clone of the repository. */
  readonly dir: string;
  readonly remote?: string;
  readonly mainBranch?: string;
  readonly stagingBranch?: string;
  /** The commit to promote; default the remote staging tip. */
  readonly commit?: string;
  /** Fetch branches, tags and records first (default true). */
  readonly fetch?: boolean;
  /** Promote through the GitHub REST API instead of `git push`. */
  readonly github?: GitHubTarget;
  readonly notesRef?: string;
  readonly now?: () => Date;
}

export interface PromoteResult {
  readonly status: 'promoted' | 'up-to-date';
  readonly commit: string;
  readonly previousMain: string;
  readonly tag?: string;
  /** Commits this promotion brought to main, newest first. */
  readonly commits: readonly Pick<CommitSummary, 'sha' | 'subject'>[];
  readonly sloSummary: readonly string[];
  readonly via: 'git' | 'github';
  /** Hours from the oldest promoted commit to the promotion. */
  readonly lagHours?: number;
  readonly warnings: readonly string[];
}

/**
 * `sanctum promote`: fast-forwards main to a commit that passed the nightly
 * suite, tags it `release/YYYYMMDD-HHMMSS` (UTC) with the SLO summary, and
 * pushes branch and tag in one atomic push. Never forces.
 */
export async function promoteCommand(options: PromoteOptions): Promise<PromoteResult> {
  const repo = pipelineRepo(options);
  const now = options.now ?? (() => new Date());
  if (options.fetch !== false) {
    await fetchRemote(repo);
    await syncRecords({ dir: repo.dir, remote: repo.remote, ...notesRefOf(options) });
  }
  const commitName = options.commit ?? remoteRef(repo, repo.stagingBranch);
  const commit = await resolveCommit(repo.dir, commitName);
  if (commit === undefined) throw new AppError('GATE_COMMIT_NOT_FOUND', `No commit ${commitName} in ${repo.dir} (fetched from ${repo.remote})`, 404);
  const mainRef = remoteRef(repo, repo.mainBranch);
  const main = await resolveCommit(repo.dir, mainRef);
  if (main === undefined) throw new AppError('GATE_BRANCH_NOT_FOUND', `${repo.remote} has no branch ${repo.mainBranch}`, 404);
  const via = options.github === undefined ? 'git' : 'github';
  if (await isAncestor(repo.dir, commit, main)) {
    return { status: 'up-to-date', commit, previousMain: main, commits: [], sloSummary: [], via, warnings: [] };
  }

  const record = await requirePassingRecord(repo.dir, commit, options.notesRef);
  await requireMainIsAncestor(repo, main, commit);

  const at = now();
  const tag = releaseTagName(at);
  if (await tagExists(repo.dir, tag)) throw new AppError('GATE_TAG_EXISTS', `Tag ${tag} already exists; promote again in a second`, 409, { tag });
  const commits = await commitsBetween(repo.dir, main, commit);
  const sloSummary = sloSummaryLines(record);
  const message = tagMessageFor(tag, commit, main, commits.length, sloSummary);

  if (options.github === undefined) {
    await pushRelease(repo, { commit, main, tag, message, at });
  } else {
    await promoteThroughGitHub(options.github, { commit, mainBranch: repo.mainBranch, tag, message, at, sloSummary });
  }

  const oldest = commits.at(-1);
  const lagHours = oldest === undefined ? undefined : round((at.getTime() - Date.parse(oldest.committedAt)) / 3_600_000);
  const warnings = await recordPromotion(repo, options, {
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    kind: 'promotion',
    commit,
    time: at.toISOString(),
    passed: true,
    release: { tag, previousMain: main, ...(lagHours === undefined ? {} : { lagHours }) },
  });
  return {
    status: 'promoted',
    commit,
    previousMain: main,
    tag,
    commits: commits.map((c) => ({ sha: c.sha, subject: c.subject })),
    sloSummary,
    via,
    ...(lagHours === undefined ? {} : { lagHours }),
    warnings,
  };
}

function notesRefOf(options: { notesRef?: string }): { notesRef?: string } {
  return options.notesRef === undefined ? {} : { notesRef: options.notesRef };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function tagMessageFor(tag: string, commit: string, main: string, count: number, sloSummary: readonly string[]): string {
  return [
    `Release ${tag.slice('release/'.length)} (UTC)`,
    '',
    `Promoted ${commit} to main: ${count} commit(s) since ${main.slice(0, 7)}.`,
    '',
    ...sloSummary,
    '',
  ].join('\n');
}

/**
 * Tags locally, then pushes main and the tag in one atomic push. The lease is
 * a compare-and-swap on main's value when we looked (we already checked the
 * update is a fast-forward, and the remote refuses anything else), so of two
 * racing promotions exactly one lands; the loser removes its local tag.
 */
async function pushRelease(repo: PipelineRepo, release: { commit: string; main: string; tag: string; message: string; at: Date }): Promise<void> {
  await createAnnotatedTag(repo.dir, release.tag, release.commit, release.message, release.at);
  const mainRef = `refs/heads/${repo.mainBranch}`;
  const outcome = await push(repo.dir, repo.remote, [`${release.commit}:${mainRef}`, `refs/tags/${release.tag}:refs/tags/${release.tag}`], {
    atomic: true,
    leases: [{ ref: mainRef, expected: release.main }],
  });
  if (!outcome.ok) {
    await deleteLocalTag(repo.dir, release.tag);
    throw new AppError(
      'GATE_PUSH_REJECTED',
      `${repo.remote} refused the promotion of ${release.commit.slice(0, 7)} (another promotion or push moved ${repo.mainBranch} first?): ` +
        `${describePushFailure(outcome)}. Nothing was changed; fetch and try again.`,
      409,
      { rejected: outcome.rejected },
    );
  }
  if (outcome.upToDate.includes(mainRef)) {
    // git skips the lease for a ref that already has the pushed value, so a
    // promotion of the same commit that won meanwhile shows up here: this one
    // lost. Take back the tag it pushed (only if it is still ours) and refuse.
    const tagObject = await git(repo.dir, ['rev-parse', `refs/tags/${release.tag}`]);
    await push(repo.dir, repo.remote, [`:refs/tags/${release.tag}`], { leases: [{ ref: `refs/tags/${release.tag}`, expected: tagObject }] });
    await deleteLocalTag(repo.dir, release.tag);
    throw new AppError(
      'GATE_PUSH_REJECTED',
      `${repo.mainBranch} was already at ${release.commit.slice(0, 7)} when this promotion pushed: another promotion of the same commit won. Nothing was changed.`,
      409,
    );
  }
}

/** Writes and pushes the promotion record; a failure here is a warning, the release already happened. */
async function recordPromotion(repo: PipelineRepo, options: PromoteOptions, record: RunRecord): Promise<string[]> {
  try {
    await appendRecord({ dir: repo.dir, ...notesRefOf(options) }, record);
    await publishRecords({ dir: repo.dir, remote: repo.remote, ...notesRefOf(options) });
    return [];
  } catch (error) {
    return [`the promotion record was not stored: ${error instanceof Error ? error.message : String(error)}`];
  }
}
