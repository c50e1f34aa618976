import { gitHubFailure } from '../../lib/github/github.client.js';
import type { GitHubTarget } from '../../lib/github/github.client.js';

export interface GitHubRelease {
  readonly commit: string;
  readonly mainBranch: string;
  readonly tag: string;
  readonly message: string;
  readonly at: Date;
  readonly sloSummary: readonly string[];
}

/**
 * The same promotion through the REST API, for runners whose token cannot
 * push: the ref update is not forced (GitHub refuses a non-fast-forward),
 * then the annotated tag, the release and the `perf-gate` commit status.
 * The tag object is created first because it is harmless on its own.
 */
export async function promoteThroughGitHub(target: GitHubTarget, release: GitHubRelease): Promise<void> {
  const { octokit, owner, repo } = target;
  const call = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw gitHubFailure(action, error);
    }
  };
  const tagObject = await call('create the tag object', () =>
    octokit.rest.git.createTag({
      owner,
      repo,
      tag: release.tag,
      message: release.message,
      object: release.commit,
      type: 'commit',
      tagger: { name: 'sanctum', email: 'sanctum@users.noreply.github.com', date: release.at.toISOString() },
    }),
  );
  await call(`fast-forward ${release.mainBranch}`, () =>
    octokit.rest.git.updateRef({ owner, repo, ref: `heads/${release.mainBranch}`, sha: release.commit, force: false }),
  );
  await call('create the tag ref', () => octokit.rest.git.createRef({ owner, repo, ref: `refs/tags/${release.tag}`, sha: tagObject.data.sha }));
  await call('create the release', () =>
    octokit.rest.repos.createRelease({
      owner,
      repo,
      tag_name: release.tag,
      name: `Nightly release ${release.at.toISOString().slice(0, 10)}`,
      body: ['Promoted from staging after the nightly smoke suite passed.', '', '```', ...release.sloSummary, '```'].join('\n'),
    }),
  );
  await call('set the perf-gate status', () =>
    octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: release.commit,
      state: 'success',
      context: 'perf-gate',
      description: `Nightly smoke passed; released as ${release.tag}`.slice(0, 140),
    }),
  );
}
