import { describe, expect, it } from 'vitest';
import { protectCommand } from '../../src/commands/protect/protect.command.js';

/**
 * The request body GitHub documents for "Update branch protection"
 * (PUT /repos/{owner}/{repo}/branches/{branch}/protection,
 * https://docs.github.com/rest/branches/branch-protection#update-branch-protection):
 * four required, nullable members and optional booleans. Transcribed here so
 * the test fails if the command sends a field GitHub does not document or the
 * wrong type.
 */
const DOCUMENTED = {
  required: ['required_status_checks', 'enforce_admins', 'required_pull_request_reviews', 'restrictions'],
  booleans: ['required_linear_history', 'allow_force_pushes', 'allow_deletions', 'block_creations', 'required_conversation_resolution', 'lock_branch', 'allow_fork_syncing'],
  statusChecks: ['strict', 'contexts', 'checks'],
  reviews: ['dismissal_restrictions', 'dismiss_stale_reviews', 'require_code_owner_reviews', 'required_approving_review_count', 'require_last_push_approval', 'bypass_pull_request_allowances'],
  actorLists: ['users', 'teams', 'apps'],
};

const stringList = (value: unknown): boolean => Array.isArray(value) && value.every((v) => typeof v === 'string');

function expectDocumentedBody(body: Record<string, unknown>): void {
  for (const key of DOCUMENTED.required) expect(body, key).toHaveProperty(key);
  for (const key of Object.keys(body)) expect([...DOCUMENTED.required, ...DOCUMENTED.booleans], key).toContain(key);
  for (const key of DOCUMENTED.booleans) if (key in body) expect(typeof body[key], key).toBe('boolean');
  expect(body.enforce_admins === null || typeof body.enforce_admins === 'boolean').toBe(true);

  const checks = body.required_status_checks as Record<string, unknown>;
  for (const key of Object.keys(checks)) expect(DOCUMENTED.statusChecks).toContain(key);
  expect(typeof checks.strict).toBe('boolean');
  // `checks` replaces the deprecated `contexts`; GitHub refuses both together.
  expect(checks).not.toHaveProperty('contexts');
  for (const check of checks.checks as Record<string, unknown>[]) {
    expect(Object.keys(check)).toEqual(['context']);
    expect(typeof check.context).toBe('string');
  }

  const reviews = body.required_pull_request_reviews as Record<string, unknown>;
  for (const key of Object.keys(reviews)) expect(DOCUMENTED.reviews).toContain(key);
  const count = reviews.required_approving_review_count as number;
  expect(Number.isInteger(count) && count >= 0 && count <= 6).toBe(true);
  const bypass = reviews.bypass_pull_request_allowances as Record<string, unknown>;
  for (const [key, list] of Object.entries(bypass)) {
    expect(DOCUMENTED.actorLists).toContain(key);
    expect(stringList(list)).toBe(true);
  }
  if (body.restrictions !== null) {
    const restrictions = body.restrictions as Record<string, unknown>;
    expect(stringList(restrictions.users) && stringList(restrictions.teams)).toBe(true);
  }
}

describe('sanctum protect --dry-run', () => {
  it('prints one documented PUT per branch with the deployment workflow rules', async () => {
    const result = await protectCommand({
      target: { owner: 'acme', repo: 'sanctum' },
      dryRun: true,
      mainBranch: 'main',
      stagingBranch: 'staging',
      checks: ['test', 'security', 'build'],
      botApps: ['sanctum-release-bot'],
      botUsers: [],
      restrictPushes: false,
    });
    expect(result.applied).toEqual([]);
    expect(result.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /repos/acme/sanctum/branches/main/protection',
      'PUT /repos/acme/sanctum/branches/staging/protection',
    ]);
    for (const request of result.requests) expectDocumentedBody(request.body);

    const [main, staging] = result.requests.map((r) => r.body);
    expect(main).toMatchObject({
      required_status_checks: { strict: true, checks: [{ context: 'test' }, { context: 'security' }, { context: 'build' }] },
      required_pull_request_reviews: { required_approving_review_count: 1, bypass_pull_request_allowances: { apps: ['sanctum-release-bot'] } },
      required_linear_history: true,
      allow_force_pushes: false,
      allow_deletions: false,
    });
    expect(staging).toMatchObject({
      required_status_checks: { strict: true, checks: [{ context: 'test' }, { context: 'security' }, { context: 'build' }] },
      required_pull_request_reviews: { required_approving_review_count: 0 },
      allow_force_pushes: false,
    });
  });

  it('restricts pushes to the bots only when asked (organisation repositories)', async () => {
    const result = await protectCommand({
      target: { owner: 'acme', repo: 'sanctum' },
      dryRun: true,
      mainBranch: 'main',
      stagingBranch: 'staging',
      checks: ['test'],
      botApps: [],
      botUsers: ['release-bot'],
      restrictPushes: true,
    });
    expect(result.requests[0]?.body.restrictions).toEqual({ users: ['release-bot'], teams: [], apps: [] });
    expectDocumentedBody(result.requests[0]?.body as unknown as Record<string, unknown>);
  });
});
