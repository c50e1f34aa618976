import { Octokit } from '@octokit/rest';
import { AppError } from '@sanctum/kernel';

/** A repository on GitHub and an authenticated client for it. */
export interface GitHubTarget {
  readonly owner: string;
  readonly repo: string;
  readonly octokit: Octokit;
}

export interface GitHubTargetOptions {
  /** `owner/name` (GITHUB_REPOSITORY in Actions). */
  readonly repository: string | undefined;
  /** GITHUB_TOKEN or GH_TOKEN. */
  readonly token: string | undefined;
  /** GITHUB_API_URL for GitHub Enterprise; default https://api.github.com. */
  readonly baseUrl?: string | undefined;
}

/** Builds the client for `--github` modes; refuses clearly when the repository or token is missing. */
export function gitHubTarget(options: GitHubTargetOptions): GitHubTarget {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(options.repository ?? '');
  if (match === null) {
    throw new AppError('GATE_GITHUB_REPO_INVALID', `--repo must be owner/name (or set GITHUB_REPOSITORY), got "${options.repository ?? ''}"`, 400);
  }
  if (options.token === undefined || options.token.length === 0) {
    throw new AppError('GATE_GITHUB_TOKEN_MISSING', 'The GitHub API needs a token: set GITHUB_TOKEN (or GH_TOKEN)', 400);
  }
  const octokit = new Octokit({
    auth: options.token,
    userAgent: 'sanctum-cli',
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    // Failures are reported by the command; no console noise from the client.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    request: { retries: 0 },
  });
  return { owner: match[1] ?? '', repo: match[2] ?? '', octokit };
}

/** Turns a failed GitHub API call into an AppError that says which call failed and why. */
export function gitHubFailure(action: string, error: unknown): AppError {
  const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  // A non-fast-forward ref update or an existing tag: the remote refused, as a plain push would.
  if (status === 422 || status === 409) {
    return new AppError('GATE_PUSH_REJECTED', `GitHub refused to ${action}: ${message}`, 409, { status });
  }
  return new AppError('GATE_GITHUB_API_FAILED', `GitHub API call failed (${action}): ${message}`, 502, status === undefined ? undefined : { status });
}

/** The `--github` client from the CLI's environment (GITHUB_REPOSITORY, GITHUB_TOKEN or GH_TOKEN, GITHUB_API_URL). */
export function gitHubTargetFromEnv(env: Record<string, string | undefined>, repository?: string): GitHubTarget {
  return gitHubTarget({ repository: repository ?? env.GITHUB_REPOSITORY, token: env.GITHUB_TOKEN ?? env.GH_TOKEN, baseUrl: env.GITHUB_API_URL });
}
