import { tryGit } from './git.runner.js';

/** The expected current value of a remote ref, for `--force-with-lease`. */
export interface Lease {
  readonly ref: string;
  readonly expected: string;
}

export interface PushOptions {
  /** All refs update or none (`--atomic`). */
  readonly atomic?: boolean;
  /**
   * Compare-and-swap on the remote: the push is refused unless each ref still
   * has the expected value. Always explicit — never the bare form that trusts
   * whatever was fetched last.
   */
  readonly leases?: readonly Lease[];
}

export interface PushOutcome {
  readonly ok: boolean;
  /** Remote refs the remote refused, with git's reason. */
  readonly rejected: readonly { ref: string; reason: string }[];
  /** Remote refs that already had the pushed value (nothing changed for them). */
  readonly upToDate: readonly string[];
  readonly stderr: string;
}

/**
 * Pushes refspecs without a `+`: a plain push, so the remote refuses anything
 * that is not a fast-forward, unless an explicit lease says what to replace.
 */
export async function push(dir: string, remote: string, refspecs: readonly string[], options: PushOptions = {}): Promise<PushOutcome> {
  const args = ['push', '--porcelain'];
  if (options.atomic === true) args.push('--atomic');
  for (const lease of options.leases ?? []) args.push(`--force-with-lease=${lease.ref}:${lease.expected}`);
  const output = await tryGit(dir, [...args, remote, ...refspecs]);
  // Porcelain lines: "<flag>\t<from>:<to>\t<summary>"; '!' marks a refused ref, '=' one already up to date.
  const lines = output.stdout.split('\n').map((line) => {
    const [flag = '', refs = '', reason = ''] = line.split('\t');
    return { flag, ref: refs.split(':')[1] ?? refs, reason };
  });
  const rejected = lines.filter((l) => l.flag === '!').map((l) => ({ ref: l.ref, reason: l.reason }));
  const upToDate = lines.filter((l) => l.flag === '=').map((l) => l.ref);
  return { ok: output.code === 0, rejected, upToDate, stderr: output.stderr.trim() };
}

/** One line saying why a push was refused, for error messages. */
export function describePushFailure(outcome: PushOutcome): string {
  const refs = outcome.rejected.map((r) => `${r.ref} (${r.reason})`).join(', ');
  // Otherwise git's whole explanation on one line ("does not appear to be a git repository", …).
  return refs.length > 0 ? refs : outcome.stderr.replace(/\s*\n\s*/g, ' ').trim();
}
