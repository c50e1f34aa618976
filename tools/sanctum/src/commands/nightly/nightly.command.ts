import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AppError } from '@sanctum/kernel';
import type { GitHubTarget } from '../../lib/github/github.client.js';
import { fetchRemote, isAncestor, pipelineRepo, remoteRef, resolveCommit } from '../../lib/git/refs.git.js';
import { addWorktree } from '../../lib/git/worktrees.git.js';
import { describeStepOutcome, runStep } from '../../lib/process/step.runner.js';
import type { StepOutcome } from '../../lib/process/step.runner.js';
import { nightlyRecord } from '../../lib/records/nightly-record.js';
import { appendRecord, publishRecords, syncRecords } from '../../lib/records/record.store.js';
import type { RunRecord } from '../../lib/records/run-record.js';
import { sloSummaryLines } from '../../lib/records/slo-summary.js';
import { readSmokeResult } from '../../lib/smoke-result.reader.js';
import type { SmokeResult } from '../../lib/smoke-result.js';
import { SMOKE_RESULTS_FILE } from '../../lib/smoke-result.js';
import { promoteCommand } from '../promote/promote.command.js';
import type { PromoteResult } from '../promote/promote.command.js';
import { requireMainIsAncestor } from '../promote/promote.gates.js';
import { formatNightlyMarkdown } from './nightly.format.js';

export const DEFAULT_INSTALL_COMMAND = ['npm', 'ci'] as const;
export const DEFAULT_BUILD_COMMAND = ['npm', 'run', 'build'] as const;
/** The tested worktree's own built CLI; nightly appends --out, --target-rps and --soak-duration. */
export const DEFAULT_SMOKE_COMMAND = ['node', 'tools/sanctum/dist/bin.js', 'smoke'] as const;

export interface NightlyOptions {
  readonly dir: string;
  readonly remote?: string;
  readonly mainBranch?: string;
  readonly stagingBranch?: string;
  /** Artifacts (results, report, service logs, step logs, summary) go here, kept on success and failure. */
  readonly outDir: string;
  readonly targetRps: number;
  /** Soak duration in minutes. */
  readonly soakDurationMin: number;
  readonly installCommand?: readonly string[];
  readonly buildCommand?: readonly string[];
  readonly smokeCommand?: readonly string[];
  /** Environment of the steps (PATH and friends); SANCTUM_COMMIT is added. */
  readonly env: Record<string, string | undefined>;
  /** Where the temporary worktree goes (default: the system's temporary folder). */
  readonly worktreeParent?: string;
  /** Per step; 0 or undefined: no limit. */
  readonly stepTimeoutMs?: number;
  /** Promote on success (default true). */
  readonly promote?: boolean;
  readonly github?: GitHubTarget;
  readonly notesRef?: string;
  readonly now?: () => Date;
  readonly onProgress?: (line: string) => void;
  /**
   * Stops the run (the CLI: Ctrl-C or SIGTERM, the signal's name as reason):
   * the running step's processes are ended, the worktree removed, and nothing
   * is recorded or promoted. Once the suite is over, the run finishes.
   */
  readonly signal?: AbortSignal;
}

export type NightlyStatus = 'up-to-date' | 'promoted' | 'passed' | 'failed' | 'blocked' | 'interrupted';

export interface NightlyResult {
  /** up-to-date: main already has staging's tip; passed: green but not promoted (--no-promote); interrupted: stopped by a signal. */
  readonly status: NightlyStatus;
  readonly commit: string;
  readonly main: string;
  readonly outDir: string;
  readonly targetRps: number;
  readonly soakDurationMin: number;
  readonly steps: readonly StepOutcome[];
  readonly resultsFile?: string;
  readonly smokePassed?: boolean;
  readonly sloSummary: readonly string[];
  /** Why the run failed or the promotion was blocked. */
  readonly reason?: string;
  readonly blockedCode?: string;
  readonly record?: RunRecord;
  readonly promotion?: PromoteResult;
  readonly warnings: readonly string[];
}

/**
 * `sanctum nightly`: tests staging's tip — one commit, resolved once — in a
 * worktree of its own (install, build, smoke), records the result with that
 * commit, and promotes exactly that commit when it passed.
 */
export async function nightlyCommand(options: NightlyOptions): Promise<NightlyResult> {
  const repo = pipelineRepo(options);
  const notes = options.notesRef === undefined ? {} : { notesRef: options.notesRef };
  const now = options.now ?? (() => new Date());
  const progress = options.onProgress ?? (() => undefined);
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  await fetchRemote(repo);
  await syncRecords({ dir: repo.dir, remote: repo.remote, ...notes });
  const commit = await resolveCommit(repo.dir, remoteRef(repo, repo.stagingBranch));
  const main = await resolveCommit(repo.dir, remoteRef(repo, repo.mainBranch));
  if (commit === undefined || main === undefined) {
    throw new AppError('GATE_BRANCH_NOT_FOUND', `${repo.remote} needs both ${repo.mainBranch} and ${repo.stagingBranch}`, 404);
  }
  const base = { commit, main, outDir, targetRps: options.targetRps, soakDurationMin: options.soakDurationMin };
  if (await isAncestor(repo.dir, commit, main)) {
    return finish({ ...base, status: 'up-to-date', steps: [], sloSummary: [], warnings: [] });
  }
  try {
    // Checked before the suite runs: a commit that cannot be promoted is not worth 20 minutes of load.
    await requireMainIsAncestor(repo, main, commit);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return finish({ ...base, status: 'blocked', steps: [], sloSummary: [], reason: error.message, blockedCode: error.code, warnings: [] });
  }

  progress(`Testing ${commit} (${repo.stagingBranch}) at ${options.targetRps} req/s, soak ${options.soakDurationMin} min`);
  const startedAt = now();
  const run = await runSuite(options, commit, outDir, progress);
  if (options.signal?.aborted === true) {
    // A cancelled run says nothing about the commit: no record, which would read as a failure of it.
    const reason = `interrupted by ${String(options.signal.reason)}; nothing was recorded or promoted`;
    return finish({ ...base, status: 'interrupted', steps: run.steps, resultsFile: run.resultsFile, sloSummary: [], reason, warnings: [] });
  }
  const record = nightlyRecord({
    commit,
    startedAt,
    finishedAt: now(),
    targetRps: options.targetRps,
    soakDurationMin: options.soakDurationMin,
    ...(run.result === undefined ? {} : { result: run.result }),
    ...(run.failure === undefined ? {} : { failure: run.failure }),
  });
  const warnings: string[] = [];
  await appendRecord({ dir: repo.dir, ...notes }, record);
  try {
    await publishRecords({ dir: repo.dir, remote: repo.remote, ...notes });
  } catch (error) {
    warnings.push(`the run record was not pushed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const tested = { ...base, steps: run.steps, resultsFile: run.resultsFile, sloSummary: sloSummaryLines(record), record, warnings };
  const smoke = run.result === undefined ? {} : { smokePassed: run.result.passed };
  if (!record.passed) return finish({ ...tested, ...smoke, status: 'failed', reason: run.failure ?? 'the smoke suite failed its SLOs' });
  if (options.promote === false) return finish({ ...tested, ...smoke, status: 'passed' });

  progress(`Passed; promoting ${commit}`);
  try {
    const promotion = await promoteCommand({
      dir: repo.dir,
      remote: repo.remote,
      mainBranch: repo.mainBranch,
      stagingBranch: repo.stagingBranch,
      // Exactly the tested commit, wherever staging has moved since.
      commit,
      ...notes,
      ...(options.github === undefined ? {} : { github: options.github }),
      now,
    });
    return await finish({ ...tested, ...smoke, status: 'promoted', promotion, warnings: [...warnings, ...promotion.warnings] });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return finish({ ...tested, ...smoke, status: 'blocked', reason: error.message, blockedCode: error.code });
  }
}

interface SuiteRun {
  readonly steps: StepOutcome[];
  readonly resultsFile: string;
  readonly result?: SmokeResult;
  readonly failure?: string;
}

async function runSuite(options: NightlyOptions, commit: string, outDir: string, progress: (line: string) => void): Promise<SuiteRun> {
  const smokeOut = join(outDir, 'smoke');
  const resultsFile = join(smokeOut, SMOKE_RESULTS_FILE);
  const worktree = await addWorktree(options.dir, commit, options.worktreeParent);
  const steps: StepOutcome[] = [];
  try {
    const env = { ...options.env, SANCTUM_COMMIT: commit };
    const plan: [string, readonly string[]][] = [
      ['install', options.installCommand ?? DEFAULT_INSTALL_COMMAND],
      ['build', options.buildCommand ?? DEFAULT_BUILD_COMMAND],
      [
        'smoke',
        [
          ...(options.smokeCommand ?? DEFAULT_SMOKE_COMMAND),
          '--out',
          smokeOut,
          '--target-rps',
          String(options.targetRps),
          '--soak-duration',
          String(options.soakDurationMin),
        ],
      ],
    ];
    for (const [name, argv] of plan) {
      if (argv.length === 0 || options.signal?.aborted === true) continue;
      progress(`${name}: ${argv.join(' ')}`);
      const step = await runStep({
        name,
        argv,
        cwd: worktree.dir,
        env,
        logFile: join(outDir, 'logs', `${name}.log`),
        ...(options.stepTimeoutMs === undefined ? {} : { timeoutMs: options.stepTimeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      steps.push(step);
      // The smoke step's exit code alone decides nothing: its results file does.
      if (!step.ok && name !== 'smoke') {
        return { steps, resultsFile, failure: `${name} failed (${describeStepOutcome(step)}); see logs/${name}.log` };
      }
    }
  } finally {
    await worktree.remove();
  }
  const read = await readSmokeResult(resultsFile);
  if (!read.ok) return { steps, resultsFile, failure: `smoke produced no usable results: ${read.reason}` };
  const smokeStep = steps.at(-1);
  if (read.result.passed && smokeStep !== undefined && !smokeStep.ok) {
    return { steps, resultsFile, result: read.result, failure: `smoke ended with ${describeStepOutcome(smokeStep)} although its results say passed` };
  }
  return { steps, resultsFile, result: read.result };
}

/** Every outcome leaves nightly.json and summary.md in the artifacts folder. */
async function finish(result: NightlyResult): Promise<NightlyResult> {
  await writeFile(join(result.outDir, 'nightly.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(result.outDir, 'summary.md'), formatNightlyMarkdown(result));
  return result;
}
