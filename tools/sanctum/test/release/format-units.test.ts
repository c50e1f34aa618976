import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatBackport, formatHotfixFinish, formatHotfixStart } from '../../src/commands/hotfix/hotfix.format.js';
import { formatNightlyMarkdown } from '../../src/commands/nightly/nightly.format.js';
import { formatPromote } from '../../src/commands/promote/promote.format.js';
import { formatRollback } from '../../src/commands/rollback/rollback.format.js';
import { gitHubFailure, gitHubTarget } from '../../src/lib/github/github.client.js';
import type { StepOutcome } from '../../src/lib/process/step.runner.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('human output for the cases the slow tests do not print', () => {
  it('hotfix: a branch created without switching and pushed, a merged backport, warnings', () => {
    expect(formatHotfixStart({ branch: 'hotfix/db', base: A, switched: false, pushed: true })).toBe(
      'Created hotfix/db from main (aaaaaaa); pushed.\nFix, commit, then `sanctum hotfix finish db` (or open a pull request into main).',
    );
    const merged = { status: 'merged', main: A, staging: B, mergeCommit: C } as const;
    expect(formatBackport(merged)).toBe('Merged main (aaaaaaa) into staging: ccccccc, pushed.');
    const finish = formatHotfixFinish({ branch: 'hotfix/db', commit: A, previousMain: B, tag: 'release/20250101-000000', commits: [{ sha: A, subject: 'fix: db' }], backport: merged, warnings: ['the hotfix record was not stored: x'] });
    expect(finish.split('\n')).toEqual([
      'Fast-forwarded main bbbbbbb → aaaaaaa and tagged release/20250101-000000 (pushed atomically):',
      '  aaaaaaa fix: db',
      'Merged main (aaaaaaa) into staging: ccccccc, pushed.',
      'warning: the hotfix record was not stored: x',
    ]);
  });

  it('promote and rollback: warnings after the change', () => {
    const promoted = formatPromote({ status: 'promoted', commit: A, previousMain: B, tag: 'release/20250101-000000', commits: [], sloSummary: ['Smoke: PASSED'], via: 'github', warnings: ['w'] });
    expect(promoted.split('\n')).toEqual(['Promoted aaaaaaa to main as release/20250101-000000 (via github).', 'main: bbbbbbb → aaaaaaa, 0 commit(s):', '', 'Smoke: PASSED', 'warning: w']);
    const rolled = formatRollback({ target: 'staging', applied: true, resets: [{ branch: 'staging', from: A, to: B, removed: [] }], warnings: ['w'] });
    expect(rolled).toBe('Rolled back:\n  staging: aaaaaaa → bbbbbbb, removing 0 commit(s):\nwarning: w');
  });

  it('nightly: how each step ended and the warnings', () => {
    const step = (name: string, outcome: Partial<StepOutcome>): StepOutcome => ({ name, command: name, exitCode: 0, signal: null, durationMs: 1500, timedOut: false, logFile: `/a/logs/${name}.log`, ok: true, ...outcome });
    const text = formatNightlyMarkdown({
      status: 'failed',
      commit: A,
      main: B,
      outDir: '/a',
      targetRps: 10,
      soakDurationMin: 1,
      steps: [step('install', {}), step('build', { ok: false, exitCode: null, signal: 'SIGKILL' }), step('smoke', { ok: false, timedOut: true, exitCode: null, signal: 'SIGTERM' })],
      sloSummary: [],
      reason: 'build failed',
      warnings: ['the run record was not pushed: x'],
    });
    expect(text).toContain('| install | ok | 1.5 s | `/a/logs/install.log` |');
    expect(text).toContain('| build | killed by SIGKILL |');
    expect(text).toContain('| smoke | timed out |');
    expect(text).toContain('> warning: the run record was not pushed: x');
    expect(text).not.toContain('```');
  });
});

describe('the GitHub client', () => {
  it('reads owner and name, and never writes to the console', () => {
    const console = vi.spyOn(globalThis.console, 'warn');
    const target = gitHubTarget({ repository: 'acme/sanctum.web', token: 't' });
    expect([target.owner, target.repo]).toEqual(['acme', 'sanctum.web']);
    for (const level of ['debug', 'info', 'warn', 'error'] as const) target.octokit.log[level]('deprecated call');
    expect(console).not.toHaveBeenCalled();
    expect(() => gitHubTarget({ repository: undefined, token: 't' })).toThrow('--repo must be owner/name (or set GITHUB_REPOSITORY), got ""');
    expect(() => gitHubTarget({ repository: 'a/b', token: '' })).toThrow('The GitHub API needs a token');
  });

  it('tells a refusal (409/422) from another failure, with GitHub’s status', () => {
    const conflict = Object.assign(new Error('Reference already exists'), { status: 409 });
    expect(gitHubFailure('create the tag ref', conflict)).toMatchObject({ code: 'GATE_PUSH_REJECTED', statusCode: 409, details: { status: 409 } });
    const outage = Object.assign(new Error('Service Unavailable'), { status: 503 });
    expect(gitHubFailure('create the release', outage)).toMatchObject({ code: 'GATE_GITHUB_API_FAILED', statusCode: 502, details: { status: 503 } });
    const network = gitHubFailure('set the perf-gate status', 'socket hang up');
    expect(network).toMatchObject({ code: 'GATE_GITHUB_API_FAILED', message: 'GitHub API call failed (set the perf-gate status): socket hang up' });
    expect(network.details).toBeUndefined();
  });
});
