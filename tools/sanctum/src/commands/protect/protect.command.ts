import type { GitHubTarget } from '../../lib/github/github.client.js';
import { gitHubFailure } from '../../lib/github/github.client.js';
import { protectionRequests } from './protection.rules.js';
import type { ProtectionPolicy, ProtectionRequest } from './protection.rules.js';

export const DEFAULT_REQUIRED_CHECKS = ['test', 'security', 'build'] as const;

export interface ProtectOptions extends Omit<ProtectionPolicy, 'owner' | 'repo'> {
  /** The repository (and client); with dryRun only owner and repo are used. */
  readonly target: Pick<GitHubTarget, 'owner' | 'repo'> & Partial<Pick<GitHubTarget, 'octokit'>>;
  readonly dryRun: boolean;
}

export interface ProtectResult {
  readonly dryRun: boolean;
  readonly requests: readonly ProtectionRequest[];
  /** Branches whose protection GitHub accepted (empty on a dry run). */
  readonly applied: readonly string[];
}

/** `sanctum protect`: applies the branch protection (or, with dryRun, returns the exact requests). */
export async function protectCommand(options: ProtectOptions): Promise<ProtectResult> {
  const requests = protectionRequests({ ...options, owner: options.target.owner, repo: options.target.repo });
  const octokit = options.target.octokit;
  if (options.dryRun || octokit === undefined) return { dryRun: true, requests, applied: [] };
  const applied: string[] = [];
  for (const request of requests) {
    try {
      await octokit.request(`${request.method} ${request.path}`, { ...request.body, headers: { accept: 'application/vnd.github+json' } });
    } catch (error) {
      throw gitHubFailure(`protect ${request.branch} (applied so far: ${applied.join(', ') || 'none'})`, error);
    }
    applied.push(request.branch);
  }
  return { dryRun: false, requests, applied };
}
