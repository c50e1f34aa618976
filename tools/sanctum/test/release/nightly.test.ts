import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nightlyCommand } from '../../src/commands/nightly/nightly.command.js';
import { loadRecords } from '../../src/lib/records/record.store.js';
import { fixturePool, IMPOSSIBLE_SLO, nightlyOptions, run } from './git-fixture.js';
import type { FakeSlo, GitFixture } from './git-fixture.js';

// Real git: a bare origin and clones in temporary folders; the fake project's
// steps are tiny node scripts, so each run takes a second or two.
const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

function setUp(slo?: FakeSlo): { fixture: GitFixture; work: string } {
  const fixture = pool.create(slo);
  return { fixture, work: fixture.clone('work') };
}

const options = nightlyOptions;

describe('sanctum nightly (slow: real git repositories)', () => {
  it('tests staging, fast-forwards main to it and pushes a release tag', async () => {
    const { fixture, work } = setUp();
    const feature = fixture.commitOn('staging', 'feat(chat): typing indicators', { 'chat.txt': 'typing\n' });
    const before = fixture.originRev('refs/heads/main');

    const result = await nightlyCommand(options(fixture, work, { now: () => new Date('2025-01-03T02:00:00Z') }));

    expect(result.status).toBe('promoted');
    expect(result.commit).toBe(feature);
    expect(fixture.originRev('refs/heads/main')).toBe(feature);
    expect(fixture.originTags()).toEqual(['release/20250103-020000']);
    expect(fixture.originRev('refs/tags/release/20250103-020000')).toBe(feature);
    // Annotated, carrying the SLO summary.
    expect(run(fixture.origin, ['cat-file', '-t', 'release/20250103-020000'])).toBe('tag');
    const message = run(fixture.origin, ['tag', '--list', '--format=%(contents)', 'release/20250103-020000']);
    expect(message).toContain('Smoke: PASSED at 1000 req/s, soak 15 min');
    expect(message).toContain('latency_p95_ms');
    expect(message).toContain(`since ${before.slice(0, 7)}`);
    // Steps ran in the worktree with the parameters, which is gone afterwards.
    expect(readFileSync(join(result.outDir, 'logs', 'smoke.log'), 'utf8')).toContain('--target-rps 1000 --soak-duration 15');
    expect(run(work, ['worktree', 'list']).split('\n')).toHaveLength(1);
    // The record travelled to origin with the commit.
    const other = fixture.clone('other');
    run(other, ['fetch', '--quiet', 'origin', 'refs/notes/*:refs/notes/*']);
    const { records } = await loadRecords({ dir: other });
    expect(records.map((r) => [r.kind, r.commit, r.passed])).toEqual([
      ['nightly', feature, true],
      ['promotion', feature, true],
    ]);
    expect(records[0]?.nightly?.scenarios.map((s) => s.name)).toEqual(['load-1k', 'load-64k', 'soak']);
  });

  it('has nothing to do when main already contains staging', async () => {
    const { fixture, work } = setUp();
    const result = await nightlyCommand(options(fixture, work));
    expect(result.status).toBe('up-to-date');
    expect(result.steps).toEqual([]);
    expect(fixture.originTags()).toEqual([]);
    expect(existsSync(join(result.outDir, 'summary.md'))).toBe(true);
  });

  it('leaves main untouched and keeps the artifacts when an SLO cannot be met', async () => {
    const { fixture, work } = setUp(IMPOSSIBLE_SLO);
    fixture.commitOn('staging', 'feat: slow feature', { 'slow.txt': 'x' });
    const main = fixture.originRev('refs/heads/main');

    const result = await nightlyCommand(options(fixture, work));

    expect(result.status).toBe('failed');
    expect(result.reason).toContain('SLO');
    expect(fixture.originRev('refs/heads/main')).toBe(main);
    expect(fixture.originTags()).toEqual([]);
    for (const artifact of ['smoke/results.json', 'smoke/report.md', 'smoke/logs/messaging.log', 'logs/smoke.log', 'nightly.json', 'summary.md']) {
      expect(existsSync(join(result.outDir, artifact)), artifact).toBe(true);
    }
    expect(readFileSync(join(result.outDir, 'summary.md'), 'utf8')).toContain('FAILED');
    expect(result.record?.passed).toBe(false);
  });

  it('treats a missing results file as a failure even when smoke exits 0', async () => {
    const { fixture, work } = setUp();
    fixture.commitOn('staging', 'feat: something');
    const main = fixture.originRev('refs/heads/main');
    const result = await nightlyCommand(options(fixture, work, { smokeCommand: ['node', '-e', 'process.exit(0)'] }));
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/no usable results: no results file/);
    expect(fixture.originRev('refs/heads/main')).toBe(main);
  });

  it('stops at a failing build and does not run smoke', async () => {
    const { fixture, work } = setUp();
    fixture.commitOn('staging', 'feat: broken build');
    const result = await nightlyCommand(options(fixture, work, { buildCommand: ['node', '-e', 'process.exit(3)'] }));
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('build failed (exit 3); see logs/build.log');
    expect(result.steps.map((s) => s.name)).toEqual(['install', 'build']);
  });

  it('promotes only the tested commit when staging moves during the run', async () => {
    const { fixture, work } = setUp();
    const tested = fixture.commitOn('staging', 'feat: tested');
    const mover = fixture.clone('mover');
    // The smoke step itself pushes a new commit to staging before measuring.
    const script = join(fixture.root, 'move-then-smoke.cjs');
    writeFileSync(
      script,
      `const { execFileSync } = require('node:child_process');
       const git = (...a) => execFileSync('git', a, { cwd: ${JSON.stringify(mover)} });
       git('fetch', '--quiet', 'origin'); git('checkout', '--quiet', '-B', 'staging', 'origin/staging');
       git('commit', '--quiet', '--allow-empty', '-m', 'feat: arrived during the run');
       git('push', '--quiet', 'origin', 'HEAD:refs/heads/staging');
       execFileSync('node', ['smoke.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });`,
    );
    const moveThenSmoke = ['node', script];
    const result = await nightlyCommand(options(fixture, work, { smokeCommand: moveThenSmoke }));

    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('promoted');
    const staging = fixture.originRev('refs/heads/staging');
    expect(staging).not.toBe(tested);
    expect(fixture.originRev('refs/heads/main')).toBe(tested);
    expect(fixture.originRev(`refs/tags/${result.promotion?.tag ?? ''}`)).toBe(tested);
  });

  it('blocks promotion with the backport instructions when a hotfix on main was not merged back', async () => {
    const { fixture, work } = setUp();
    const hotfix = fixture.commitOn('main', 'fix: critical bug', { 'hotfix.txt': 'fixed' });
    fixture.commitOn('staging', 'feat: unrelated');

    const result = await nightlyCommand(options(fixture, work));

    expect(result.status).toBe('blocked');
    expect(result.blockedCode).toBe('GATE_MAIN_NOT_ANCESTOR');
    expect(result.reason).toContain('is not an ancestor');
    expect(result.reason).toContain(hotfix.slice(0, 7));
    expect(result.reason).toContain('git merge origin/main');
    expect(fixture.originRev('refs/heads/main')).toBe(hotfix);
    expect(fixture.originTags()).toEqual([]);
  });
});
