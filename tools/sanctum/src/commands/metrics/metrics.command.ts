import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '@sanctum/kernel';
import { commitsBetween, fetchRemote, pipelineRepo, remoteRef, resolveCommit } from '../../lib/git/refs.git.js';
import type { PipelineRepo } from '../../lib/git/refs.git.js';
import { listReleaseTags, releaseTagTime } from '../../lib/git/tags.git.js';
import { loadRecords, syncRecords } from '../../lib/records/record.store.js';
import { loadAlertsConfig } from './alerts.config.js';
import { computeMetrics } from './metrics.compute.js';
import type { BranchState, MetricsReport } from './metrics.compute.js';
import { renderDashboard } from './metrics.dashboard.js';

export interface MetricsOptions {
  readonly dir: string;
  readonly remote?: string;
  readonly mainBranch?: string;
  readonly stagingBranch?: string;
  /** The thresholds file (default `<dir>/slo/alerts.json`). */
  readonly alertsFile?: string;
  /** Overrides the file's window. */
  readonly windowDays?: number;
  /** Where metrics.json and dashboard.html go. */
  readonly outDir: string;
  /** Fetch branches, tags and records first (default true). */
  readonly fetch?: boolean;
  readonly notesRef?: string;
  readonly now?: () => Date;
}

export interface MetricsResult extends MetricsReport {
  readonly files: { readonly json: string; readonly html: string };
  /** Records that could not be read. */
  readonly skippedRecords: number;
}

/**
 * `sanctum metrics`: the pipeline's health from the run records and the
 * branches — pass rates, latency and error trends, lag, blocked time, hotfix
 * rate, CI — with targets and alert thresholds from a versioned file.
 */
export async function metricsCommand(options: MetricsOptions): Promise<MetricsResult> {
  const repo = pipelineRepo(options);
  const config = await loadAlertsConfig(options.alertsFile ?? join(options.dir, 'slo', 'alerts.json'));
  const notes = options.notesRef === undefined ? {} : { notesRef: options.notesRef };
  if (options.fetch !== false) {
    await fetchRemote(repo);
    await syncRecords({ dir: repo.dir, remote: repo.remote, ...notes });
  }
  const { records, skipped } = await loadRecords({ dir: repo.dir, ...notes });
  const report = computeMetrics(
    records,
    options.windowDays === undefined ? config : { ...config, windowDays: options.windowDays },
    await branchState(repo),
    (options.now ?? (() => new Date()))(),
  );
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const files = { json: join(outDir, 'metrics.json'), html: join(outDir, 'dashboard.html') };
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.html, renderDashboard(report));
  return { ...report, files, skippedRecords: skipped.length };
}

async function branchState(repo: PipelineRepo): Promise<BranchState> {
  const main = await resolveCommit(repo.dir, remoteRef(repo, repo.mainBranch));
  const staging = await resolveCommit(repo.dir, remoteRef(repo, repo.stagingBranch));
  if (main === undefined || staging === undefined) {
    throw new AppError('GATE_BRANCH_NOT_FOUND', `${repo.remote} needs both ${repo.mainBranch} and ${repo.stagingBranch} (fetch first?)`, 404);
  }
  const waiting = await commitsBetween(repo.dir, main, staging, { noMerges: true });
  const oldest = waiting.at(-1);
  const lastTag = (await listReleaseTags(repo.dir)).at(-1);
  const lastReleaseAt = lastTag === undefined ? undefined : releaseTagTime(lastTag);
  return {
    unpromotedCommits: waiting.length,
    ...(oldest === undefined ? {} : { oldestUnpromotedAt: new Date(oldest.committedAt) }),
    ...(lastReleaseAt === undefined ? {} : { lastReleaseAt }),
  };
}
