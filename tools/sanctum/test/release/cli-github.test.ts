import { afterEach, describe, expect, it } from 'vitest';
import { tagMessageFor } from '../../src/commands/promote/promote.command.js';
import type { PromoteResult } from '../../src/commands/promote/promote.command.js';
import type { ReleaseNotesResult } from '../../src/commands/release-notes/release-notes.command.js';
import { sanctum } from './cli-harness.js';
import { fixturePool, run, testStaging } from './git-fixture.js';
import type { GitFixture } from './git-fixture.js';
import { startFakeGitHub } from './github-fake.js';
import type { FakeGitHub } from './github-fake.js';

const pool = fixturePool();
const servers: FakeGitHub[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  pool.disposeAll();
});

const TOKEN = 'runner-token';

/** A fixture whose bare origin is also "GitHub" for acme/sanctum, and a clone with a tested staging tip. */
async function testedRepo(): Promise<{ fixture: GitFixture; work: string; commit: string; github: FakeGitHub; env: Record<string, string> }> {
  const fixture = pool.create();
  const work = fixture.clone('work');
  const commit = fixture.commitOn('staging', 'feat(chat): tested on the runner');
  await testStaging(fixture, work);
  const github = await startFakeGitHub({ repository: 'acme/sanctum', gitDir: fixture.origin, adminTokens: ['admin-token'] });
  servers.push(github);
  return { fixture, work, commit, github, env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url } };
}

describe('sanctum promote --github against a local GitHub REST server (slow: real git)', () => {
  it('sends the tag object, a non-forced ref update, the tag ref, the release and the perf-gate status', async () => {
    const { fixture, work, commit, github, env } = await testedRepo();
    const main = fixture.originRev('refs/heads/main');

    const cli = await sanctum(['promote', '--github', '--repo', 'acme/sanctum', '--json'], { cwd: work, env });

    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const result = cli.json() as PromoteResult;
    expect(result).toMatchObject({ status: 'promoted', via: 'github', commit, previousMain: main });
    const tag = result.tag ?? '';
    expect(tag).toMatch(/^release\/\d{8}-\d{6}$/);
    const day = `${tag.slice(8, 12)}-${tag.slice(12, 14)}-${tag.slice(14, 16)}`;
    const tagObject = run(fixture.origin, ['rev-parse', `refs/tags/${tag}`]);

    expect(github.requests.map((r) => ({ method: r.method, path: r.path, body: r.body }))).toEqual([
      {
        method: 'POST',
        path: '/repos/acme/sanctum/git/tags',
        body: {
          tag,
          message: tagMessageFor(tag, commit, main, 1, result.sloSummary),
          object: commit,
          type: 'commit',
          tagger: { name: 'sanctum', email: 'sanctum@users.noreply.github.com', date: expect.stringMatching(new RegExp(`^${day}T`)) as unknown },
        },
      },
      { method: 'PATCH', path: '/repos/acme/sanctum/git/refs/heads%2Fmain', body: { sha: commit, force: false } },
      { method: 'POST', path: '/repos/acme/sanctum/git/refs', body: { ref: `refs/tags/${tag}`, sha: tagObject } },
      {
        method: 'POST',
        path: '/repos/acme/sanctum/releases',
        body: {
          tag_name: tag,
          name: `Nightly release ${day}`,
          body: ['Promoted from staging after the nightly smoke suite passed.', '', '```', ...result.sloSummary, '```'].join('\n'),
        },
      },
      {
        method: 'POST',
        path: `/repos/acme/sanctum/statuses/${commit}`,
        body: { state: 'success', context: 'perf-gate', description: `Nightly smoke passed; released as ${tag}` },
      },
    ]);
    expect(github.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    // GitHub (the bare repository behind the server) now has main at the commit and the annotated tag.
    expect(fixture.originRev('refs/heads/main')).toBe(commit);
    expect(run(fixture.origin, ['cat-file', '-t', `refs/tags/${tag}`])).toBe('tag');
    expect(fixture.originRev(`refs/tags/${tag}`)).toBe(commit);
    expect(result.sloSummary.join('\n')).toContain('Smoke: PASSED');
  });

  it('refuses cleanly (exit 3) when GitHub answers 422: main moved and the update is not a fast-forward', async () => {
    const { fixture, work, github, env } = await testedRepo();
    // A hotfix reached main after this runner fetched.
    const hotfix = fixture.commitOn('main', 'fix: pushed meanwhile');

    const cli = await sanctum(['promote', '--github', '--repo', 'acme/sanctum', '--no-fetch'], { cwd: work, env });

    expect(cli.code).toBe(3);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(/^sanctum: GATE_PUSH_REJECTED: GitHub refused to fast-forward main: Update is not a fast forward/);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/acme/sanctum/git/tags', 'PATCH /repos/acme/sanctum/git/refs/heads%2Fmain']);
    expect(github.requests[1]?.body).toMatchObject({ force: false });
    expect(fixture.originRev('refs/heads/main')).toBe(hotfix);
    expect(fixture.originTags()).toEqual([]);
  });

  it('reports a repository GitHub does not show this token (404) as an API failure, exit 1', async () => {
    const { fixture, work, github, env } = await testedRepo();
    const main = fixture.originRev('refs/heads/main');
    const cli = await sanctum(['promote', '--github', '--repo', 'acme/elsewhere'], { cwd: work, env });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^sanctum: GATE_GITHUB_API_FAILED: GitHub API call failed \(create the tag object\): Not Found/);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/acme/elsewhere/git/tags']);
    expect(fixture.originRev('refs/heads/main')).toBe(main);
  });

  it('needs a token and an owner/name before calling GitHub (exit 2)', async () => {
    const { work, github } = await testedRepo();
    const noToken = await sanctum(['promote', '--github', '--repo', 'acme/sanctum'], { cwd: work, env: { GITHUB_API_URL: github.url } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('GATE_GITHUB_TOKEN_MISSING');
    const badRepo = await sanctum(['promote', '--github'], { cwd: work, env: { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'no-slash' } });
    expect(badRepo.code).toBe(2);
    expect(badRepo.stderr).toContain('GATE_GITHUB_REPO_INVALID');
    expect(github.requests).toEqual([]);
  });

  it('nightly --github promotes the tested commit through the API (GH_TOKEN and GITHUB_REPOSITORY from the environment)', async () => {
    const { fixture, work, github } = await testedRepo();
    const next = fixture.commitOn('staging', 'fix: tested by this nightly');
    const cli = await sanctum(
      ['nightly', '--github', '--install-command', 'node install.mjs', '--build-command', 'node build.mjs', '--smoke-command', 'node smoke.mjs', '--out', '../artifacts-gh', '--json'],
      { cwd: work, env: { GH_TOKEN: TOKEN, GITHUB_REPOSITORY: 'acme/sanctum', GITHUB_API_URL: github.url } },
    );
    expect(cli.code).toBe(0);
    expect(cli.json()).toMatchObject({ status: 'promoted', commit: next, promotion: { via: 'github' } });
    expect(github.requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'POST', 'POST', 'POST']);
    expect(fixture.originRev('refs/heads/main')).toBe(next);
  });
});

describe('sanctum release-notes --github (slow: real git)', () => {
  it('creates the GitHub release of the newer tag with the notes, and reports a second one as refused', async () => {
    const { fixture, work, github, env } = await testedRepo();
    run(work, ['tag', '-a', '-m', 'r1', 'release/20250101-020000', 'origin/main']);
    run(work, ['tag', '-a', '-m', 'r2', 'release/20250102-020000', 'origin/staging']);

    const cli = await sanctum(['release-notes', '--github', '--repo', 'acme/sanctum'], { cwd: work, env });

    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('## Release 2025-01-02 02:00 UTC — `release/20250102-020000`');
    expect(cli.stdout).toContain('### Features\n- **chat:** tested on the runner (');
    expect(cli.stdout).toContain('Created https://github.com/acme/sanctum/releases/tag/release/20250102-020000');
    const json = await sanctum(['release-notes', 'release/20250101-020000', 'release/20250102-020000', '--json'], { cwd: work, env });
    const notes = json.json() as ReleaseNotesResult;
    expect(github.requests.map((r) => ({ method: r.method, path: r.path, body: r.body }))).toEqual([
      { method: 'POST', path: '/repos/acme/sanctum/releases', body: { tag_name: 'release/20250102-020000', name: 'Release 2025-01-02 02:00 UTC', body: notes.markdown } },
    ]);

    const again = await sanctum(['release-notes', '--github', '--repo', 'acme/sanctum'], { cwd: work, env });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('GATE_PUSH_REJECTED: GitHub refused to create the release release/20250102-020000: Validation Failed');
    expect(fixture.originTags()).toEqual([]);
  });
});
