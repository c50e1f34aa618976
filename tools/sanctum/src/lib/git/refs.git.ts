import { git, tryGit } from './git.runner.js';

/** Where the pipeline's branches live: the local clone and the remote it promotes on. */
export interface PipelineRepo {
  /** A clone (or worktree) of the repository. */
  readonly dir: string;
  /** The remote that holds the real branches (default `origin`). */
  readonly remote: string;
  readonly mainBranch: string;
  readonly stagingBranch: string;
}

export const DEFAULT_REMOTE = 'origin';
export const DEFAULT_MAIN = 'main';
export const DEFAULT_STAGING = 'staging';

export function pipelineRepo(options: { dir: string; remote?: string; mainBranch?: string; stagingBranch?: string }): PipelineRepo {
  return {
    dir: options.dir,
    remote: options.remote ?? DEFAULT_REMOTE,
    mainBranch: options.mainBranch ?? DEFAULT_MAIN,
    stagingBranch: options.stagingBranch ?? DEFAULT_STAGING,
  };
}

/** The remote-tracking ref of a branch, e.g. `refs/remotes/origin/main`. */
export function remoteRef(repo: PipelineRepo, branch: string): string {
  return `refs/remotes/${repo.remote}/${branch}`;
}

/**
 * Brings every branch and release tag of the remote into the clone. Release
 * tags are the remote's to decide, so a local one the remote lacks is pruned
 * (a failed promotion must not leave a tag that looks released).
 */
export async function fetchRemote(repo: PipelineRepo): Promise<void> {
  await git(repo.dir, [
    'fetch',
    '--prune',
    '--quiet',
    repo.remote,
    `+refs/heads/*:refs/remotes/${repo.remote}/*`,
    '+refs/tags/release/*:refs/tags/release/*',
  ]);
}

/** The full sha of a commit-ish, or undefined when it does not resolve to a commit. */
export async function resolveCommit(dir: string, revision: string): Promise<string | undefined> {
  const output = await tryGit(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`]);
  return output.code === 0 ? output.stdout.trim() : undefined;
}

/** True when `ancestor` is reachable from `descendant` (equal counts). */
export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  const output = await tryGit(dir, ['merge-base', '--is-ancestor', ancestor, descendant]);
  if (output.code === 0) return true;
  if (output.code === 1) return false;
  throw new Error(`git merge-base --is-ancestor ${ancestor} ${descendant}: ${output.stderr.trim()}`);
}

export interface CommitSummary {
  readonly sha: string;
  readonly subject: string;
  readonly body: string;
  readonly author: string;
  /** Committer date, ISO 8601. */
  readonly committedAt: string;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/** Commits reachable from `to` but not from `from` (newest first); `from` undefined means all of `to`'s history. */
export async function commitsBetween(
  dir: string,
  from: string | undefined,
  to: string,
  options: { noMerges?: boolean } = {},
): Promise<CommitSummary[]> {
  const range = from === undefined ? to : `${from}..${to}`;
  const args = ['log', `--format=%H${FIELD}%s${FIELD}%b${FIELD}%an${FIELD}%cI${RECORD}`];
  if (options.noMerges === true) args.push('--no-merges');
  const output = await git(dir, [...args, range, '--']);
  return output
    .split(RECORD)
    .map((entry) => entry.replace(/^\n/, ''))
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const [sha = '', subject = '', body = '', author = '', committedAt = ''] = entry.split(FIELD);
      return { sha, subject, body: body.trim(), author, committedAt };
    });
}

/** Refuses names git would not accept as a branch (spaces, `..`, leading dash, …). */
export async function isValidBranchName(dir: string, name: string): Promise<boolean> {
  if (name.startsWith('-')) return false;
  const output = await tryGit(dir, ['check-ref-format', '--branch', name]);
  return output.code === 0;
}
