import { afterEach, describe, expect, it } from 'vitest';
import type { ProtectResult } from '../../src/commands/protect/protect.command.js';
import { sanctum } from './cli-harness.js';
import { fixturePool } from './git-fixture.js';
import { startFakeGitHub } from './github-fake.js';
import type { FakeGitHub } from './github-fake.js';

const pool = fixturePool();
const servers: FakeGitHub[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  pool.disposeAll();
});

async function setUp(): Promise<{ work: string; github: FakeGitHub }> {
  const fixture = pool.create();
  const github = await startFakeGitHub({ repository: 'acme/sanctum', gitDir: fixture.origin, adminTokens: ['admin-token'] });
  servers.push(github);
  return { work: fixture.clone('work'), github };
}

const CHECKS = { strict: true, checks: [{ context: 'test' }, { context: 'security' }, { context: 'build' }] };

/** The deployment workflow's rules, as the bodies GitHub documents for PUT …/branches/{branch}/protection. */
const MAIN_BODY = {
  required_status_checks: CHECKS,
  enforce_admins: false,
  required_pull_request_reviews: {
    dismiss_stale_reviews: true,
    require_code_owner_reviews: false,
    required_approving_review_count: 1,
    bypass_pull_request_allowances: { users: [], teams: [], apps: ['release-app'] },
  },
  restrictions: null,
  required_linear_history: true,
  allow_force_pushes: false,
  allow_deletions: false,
  block_creations: false,
  required_conversation_resolution: false,
  lock_branch: false,
  allow_fork_syncing: false,
};
const STAGING_BODY = {
  ...MAIN_BODY,
  required_pull_request_reviews: {
    dismiss_stale_reviews: false,
    require_code_owner_reviews: false,
    required_approving_review_count: 0,
    bypass_pull_request_allowances: { users: [], teams: [], apps: ['release-app'] },
  },
  required_linear_history: false,
};

describe('sanctum protect against a local GitHub REST server (slow: real git)', () => {
  it('PUTs the protection of main and staging with the documented bodies', async () => {
    const { work, github } = await setUp();
    const env = { GITHUB_TOKEN: 'admin-token', GITHUB_API_URL: github.url };

    const cli = await sanctum(['protect', '--repo', 'acme/sanctum', '--bot-app', 'release-app', '--json'], { cwd: work, env });

    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.json() as ProtectResult).toMatchObject({ dryRun: false, applied: ['main', 'staging'] });
    expect(github.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, authorization: r.authorization }))).toEqual([
      { method: 'PUT', path: '/repos/acme/sanctum/branches/main/protection', body: MAIN_BODY, authorization: 'token admin-token' },
      { method: 'PUT', path: '/repos/acme/sanctum/branches/staging/protection', body: STAGING_BODY, authorization: 'token admin-token' },
    ]);

    const human = await sanctum(['protect', '--repo', 'acme/sanctum', '--bot-app', 'release-app'], { cwd: work, env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Applied branch protection to: main, staging\n\nPUT \/repos\/acme\/sanctum\/branches\/main\/protection\n\{/);
  });

  it('sends the chosen checks, machine users and push restriction (GITHUB_REPOSITORY, GH_TOKEN)', async () => {
    const { work, github } = await setUp();
    const cli = await sanctum(['protect', '--check', 'test', '--check', 'build (auth)', '--bot-user', 'release-bot', '--restrict-pushes'], {
      cwd: work,
      env: { GH_TOKEN: 'admin-token', GITHUB_REPOSITORY: 'acme/sanctum', GITHUB_API_URL: github.url },
    });
    expect(cli.code).toBe(0);
    const [main, staging] = github.requests.map((r) => r.body as typeof MAIN_BODY);
    const actors = { users: ['release-bot'], teams: [], apps: [] };
    expect(main).toMatchObject({
      required_status_checks: { strict: true, checks: [{ context: 'test' }, { context: 'build (auth)' }] },
      required_pull_request_reviews: { bypass_pull_request_allowances: actors },
      restrictions: actors,
    });
    expect(staging).toMatchObject({ required_pull_request_reviews: { bypass_pull_request_allowances: actors }, restrictions: null });
  });

  it('reports GitHub refusing a token without admin rights (403): exit 1, nothing applied', async () => {
    const { work, github } = await setUp();
    const cli = await sanctum(['protect', '--repo', 'acme/sanctum'], { cwd: work, env: { GITHUB_TOKEN: 'runner-token', GITHUB_API_URL: github.url } });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toMatch(/^sanctum: GATE_GITHUB_API_FAILED: GitHub API call failed \(protect main \(applied so far: none\)\): Resource not accessible by integration/);
    expect(github.requests).toHaveLength(1);
  });

  it('says which branches were protected when a later one is missing (404)', async () => {
    const { work, github } = await setUp();
    const cli = await sanctum(['protect', '--repo', 'acme/sanctum', '--staging', 'integration'], {
      cwd: work,
      env: { GITHUB_TOKEN: 'admin-token', GITHUB_API_URL: github.url },
    });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('GATE_GITHUB_API_FAILED: GitHub API call failed (protect integration (applied so far: main)): Branch not found');
    expect(github.requests.map((r) => r.path)).toEqual(['/repos/acme/sanctum/branches/main/protection', '/repos/acme/sanctum/branches/integration/protection']);
  });

  it('needs a token unless it is a dry run, which sends nothing', async () => {
    const { work, github } = await setUp();
    const noToken = await sanctum(['protect', '--repo', 'acme/sanctum'], { cwd: work, env: { GITHUB_API_URL: github.url } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('GATE_GITHUB_TOKEN_MISSING');
    const dryRun = await sanctum(['protect', '--dry-run'], { cwd: work, env: { GITHUB_API_URL: github.url } });
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/^Dry run: these requests would be sent \(nothing was changed\):\n\nPUT \/repos\/OWNER\/REPO\/branches\/main\/protection/);
    expect(github.requests).toEqual([]);
  });
});
