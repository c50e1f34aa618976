import { AppError } from '@sanctum/kernel';
import { commitsBetween, isAncestor } from '../../lib/git/refs.git.js';
import type { PipelineRepo } from '../../lib/git/refs.git.js';
import { failureReason } from '../../lib/records/nightly-record.js';
import { recordsFor } from '../../lib/records/record.store.js';
import type { RunRecord } from '../../lib/records/run-record.js';

const short = (sha: string): string => sha.slice(0, 7);

/**
 * The newest passing nightly record of `commit`; refuses (409) with the
 * reason when there is none: never tested, or the last run failed and why.
 */
export async function requirePassingRecord(dir: string, commit: string, notesRef?: string): Promise<RunRecord> {
  const nightlies = (await recordsFor({ dir, ...(notesRef === undefined ? {} : { notesRef }) }, commit)).filter((r) => r.kind === 'nightly');
  const passing = nightlies.filter((r) => r.passed).at(-1);
  if (passing !== undefined) return passing;
  const last = nightlies.at(-1);
  if (last === undefined) {
    throw new AppError(
      'GATE_NOT_TESTED',
      `Refusing to promote ${short(commit)}: it has no nightly record, so it was never tested by the smoke suite. ` +
        'Run `sanctum nightly` (or `gh workflow run nightly-smoke.yml --ref staging`) first.',
      409,
      { commit },
    );
  }
  throw new AppError(
    'GATE_NOT_TESTED',
    `Refusing to promote ${short(commit)}: its last nightly run (${last.time}) failed: ${failureReason(last)}. ` +
      'Fix it on a feat/* branch, merge to staging and let the next nightly test the new commit.',
    409,
    { commit, lastRun: last.time, reason: failureReason(last) },
  );
}

/**
 * Main must be an ancestor of the commit, or the promotion would not be a
 * fast-forward: that happens when a hotfix reached main and was not merged
 * back into staging. Refuses (409) and says exactly what to run.
 */
export async function requireMainIsAncestor(repo: PipelineRepo, main: string, commit: string): Promise<void> {
  if (await isAncestor(repo.dir, main, commit)) return;
  const missing = await commitsBetween(repo.dir, commit, main);
  const list = missing
    .slice(0, 10)
    .map((c) => `${short(c.sha)} ${c.subject}`)
    .join('; ');
  const { remote, mainBranch: mainName, stagingBranch: stagingName } = repo;
  throw new AppError(
    'GATE_MAIN_NOT_ANCESTOR',
    `Refusing to promote ${short(commit)}: ${mainName} (${short(main)}) is not an ancestor of it — ${mainName} has ` +
      `${missing.length} commit(s) that ${stagingName} lacks (a hotfix not merged back?): ${list}. ` +
      `Merge ${mainName} back into ${stagingName}: \`sanctum hotfix backport\`, or ` +
      `\`git checkout ${stagingName} && git merge ${remote}/${mainName} && git push ${remote} ${stagingName}\`; ` +
      'then let the nightly test the merged commit.',
    409,
    { commit, main, missing: missing.map((c) => c.sha) },
  );
}
