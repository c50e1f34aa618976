import type { operations } from '@octokit/openapi-types';

/**
 * The request body GitHub documents for PUT /repos/{owner}/{repo}/branches/{branch}/protection
 * (operation repos/update-branch-protection of GitHub's OpenAPI description).
 */
type DocumentedBody = operations['repos/update-branch-protection']['requestBody']['content']['application/json'];
type DocumentedChecks = NonNullable<DocumentedBody['required_status_checks']>;

/**
 * The documented body, with `checks` in place of the deprecated `contexts`
 * (GitHub refuses a request that sends both; the generated type still marks
 * `contexts` required).
 */
export type ProtectionBody = Omit<DocumentedBody, 'required_status_checks'> & {
  required_status_checks: Omit<DocumentedChecks, 'contexts'> | null;
};

export interface ProtectionRequest {
  readonly method: 'PUT';
  readonly path: string;
  readonly branch: string;
  readonly body: ProtectionBody;
}

export interface ProtectionPolicy {
  readonly owner: string;
  readonly repo: string;
  readonly mainBranch: string;
  readonly stagingBranch: string;
  /** Required status checks (the job names of the staging workflow). */
  readonly checks: readonly string[];
  /** Logins of machine users that promote (push to main without a pull request). */
  readonly botUsers: readonly string[];
  /** Slugs of GitHub Apps that promote. */
  readonly botApps: readonly string[];
  /**
   * Also restrict who can push at all to the bots (organisation repositories
   * only; people then merge through pull requests only if listed too).
   */
  readonly restrictPushes: boolean;
}

/**
 * The deployment workflow's branch protection as GitHub REST requests.
 * main: pull request with one approval, required checks up to date, linear
 * history, no force push, no deletion; the bots may push (bypass the pull
 * request rule) so the nightly can promote. staging: pull request, the same
 * checks up to date, no force push; the bots may push the backport.
 * Administrators are not bound (`enforce_admins: false`) so that an explicit,
 * leased rollback stays possible as the workflow describes.
 */
export function protectionRequests(policy: ProtectionPolicy): ProtectionRequest[] {
  const bypass = { users: [...policy.botUsers], teams: [], apps: [...policy.botApps] };
  const checks = { strict: true, checks: policy.checks.map((context) => ({ context })) };
  const restrictions = policy.restrictPushes ? { users: [...policy.botUsers], teams: [], apps: [...policy.botApps] } : null;
  const request = (branch: string, body: ProtectionBody): ProtectionRequest => ({
    method: 'PUT',
    path: `/repos/${policy.owner}/${policy.repo}/branches/${encodeURIComponent(branch)}/protection`,
    branch,
    body,
  });
  return [
    request(policy.mainBranch, {
      required_status_checks: checks,
      enforce_admins: false,
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        require_code_owner_reviews: false,
        required_approving_review_count: 1,
        bypass_pull_request_allowances: bypass,
      },
      restrictions,
      required_linear_history: true,
      allow_force_pushes: false,
      allow_deletions: false,
      block_creations: false,
      required_conversation_resolution: false,
      lock_branch: false,
      allow_fork_syncing: false,
    }),
    request(policy.stagingBranch, {
      required_status_checks: checks,
      enforce_admins: false,
      required_pull_request_reviews: {
        dismiss_stale_reviews: false,
        require_code_owner_reviews: false,
        required_approving_review_count: 0,
        bypass_pull_request_allowances: bypass,
      },
      restrictions: null,
      // Backports merge main into staging, so merge commits are allowed here.
      required_linear_history: false,
      allow_force_pushes: false,
      allow_deletions: false,
      block_creations: false,
      required_conversation_resolution: false,
      lock_branch: false,
      allow_fork_syncing: false,
    }),
  ];
}
