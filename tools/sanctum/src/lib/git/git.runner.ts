import { execFile } from 'node:child_process';

/** What a git command printed and how it ended. */
export interface GitOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GitRunOptions {
  /** Written to git's standard input (notes bodies, cat-file batches). */
  readonly input?: string;
  /** Extra environment (dates for fabricated histories, identities). */
  readonly env?: Record<string, string>;
}

/** A git command that exited non-zero where the caller needed it to succeed. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly args: readonly string[],
    readonly output: GitOutput,
  ) {
    super(`git ${args.join(' ')} failed (${output.code}): ${output.stderr.trim() || output.stdout.trim()}`);
  }
}

/**
 * Git inherits the caller's environment (PATH, HOME, credentials helpers) —
 * passed through, not read as configuration — with prompts switched off
 * because the CLI never prompts, and messages in one language to parse.
 */
function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  // eslint-disable-next-line no-restricted-properties -- handed to the child unchanged, not configuration
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', LC_ALL: 'C', ...extra };
}

// Large enough for `git log` over a long release range or a big notes batch.
const MAX_BUFFER = 256 * 1024 * 1024;

/**
 * Runs git with an argument vector (never a shell, so branch names and
 * messages are never interpreted) and reports the exit code instead of
 * throwing, for callers that branch on it (`merge-base --is-ancestor`).
 */
export function tryGit(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<GitOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        maxBuffer: MAX_BUFFER,
        encoding: 'utf8',
        // Never wait for a credential or editor prompt: the CLI never prompts.
        env: childEnv(options.env),
      },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          // git itself could not be started (not installed, bad cwd).
          reject(new Error(`could not run git ${args.join(' ')}: ${error.message}`));
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs git and returns its standard output without the final newline; throws GitError on failure. */
export async function git(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<string> {
  const output = await tryGit(cwd, args, options);
  if (output.code !== 0) throw new GitError(args, output);
  return output.stdout.replace(/\n$/, '');
}
