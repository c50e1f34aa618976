import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@sanctum/kernel';
import { registerProtect } from '../../src/commands/protect/protect.cli.js';
import { registerReleaseNotes } from '../../src/commands/release-notes/release-notes.cli.js';
import { releaseNotesCommand } from '../../src/commands/release-notes/release-notes.command.js';
import { parseConventionalCommit } from '../../src/commands/release-notes/conventional-commit.js';
import type { CliContext } from '../../src/lib/cli-context.js';
import { exitCodeFor } from '../../src/lib/exit-code.js';
import { splitCommandLine } from '../../src/lib/process/command-line.js';
import { fixturePool, run } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

function capture(): { context: CliContext; out: string[] } {
  const out: string[] = [];
  return {
    out,
    context: { env: {}, stdout: (l) => out.push(l), stderr: (l) => out.push(l), exit: () => undefined, interactive: false },
  };
}

describe('release CLI pieces', () => {
  it('splits configured commands like a shell, without one', () => {
    expect(splitCommandLine(`node "tools/my dir/bin.js" smoke --label 'a b' x\\ y`)).toEqual(['node', 'tools/my dir/bin.js', 'smoke', '--label', 'a b', 'x y']);
    expect(() => splitCommandLine('npm "ci')).toThrow(/unterminated/);
  });

  it('maps every refusal to its exit code in one place', () => {
    expect(exitCodeFor(new AppError('GATE_BAD_ARGUMENT', 'x', 400))).toBe(2);
    expect(exitCodeFor(new AppError('GATE_NOT_TESTED', 'x', 409))).toBe(3);
    expect(exitCodeFor(new AppError('GATE_REF_NOT_FOUND', 'x', 404))).toBe(4);
    expect(exitCodeFor(new AppError('GATE_SMOKE_FAILED', 'x', 422))).toBe(5);
    expect(exitCodeFor(new AppError('GATE_GITHUB_API_FAILED', 'x', 502))).toBe(1);
    expect(exitCodeFor(new Error('bug'))).toBe(1);
  });

  it('reads conventional commits', () => {
    expect(parseConventionalCommit('feat(chat)!: new wire format')).toEqual({ type: 'feat', scope: 'chat', breaking: true, description: 'new wire format' });
    expect(parseConventionalCommit('Fix the thing', 'BREAKING CHANGE: yes')).toEqual({ type: 'other', breaking: true, description: 'Fix the thing' });
  });

  it('writes release notes between the last two release tags, grouped by type', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    run(work, ['tag', '-a', '-m', 'r1', 'release/20250101-020000']);
    fixture.write(work, { 'a.txt': 'a' });
    fixture.commit(work, 'feat(chat): typing indicators');
    fixture.commit(work, 'fix: dropped messages');
    fixture.commit(work, 'perf!: faster queue');
    fixture.commit(work, 'tidy up');
    run(work, ['tag', '-a', '-m', 'r2', 'release/20250102-020000']);

    const notes = await releaseNotesCommand({ dir: work });
    expect(notes.from).toBe('release/20250101-020000');
    expect(notes.to).toBe('release/20250102-020000');
    expect(notes.sections.map((s) => [s.title, s.entries.length])).toEqual([
      ['Features', 1],
      ['Bug fixes', 1],
      ['Performance', 1],
      ['Other changes', 1],
    ]);
    expect(notes.markdown).toContain('### ⚠ Breaking changes');
    expect(notes.markdown).toContain('- **chat:** typing indicators (');
    await expect(releaseNotesCommand({ dir: work, from: 'release/19990101-000000' })).rejects.toMatchObject({ code: 'GATE_REF_NOT_FOUND' });
    const empty = pool.create();
    await expect(releaseNotesCommand({ dir: empty.clone('w') })).rejects.toMatchObject({ code: 'GATE_NO_RELEASES' });
  });

  it('prints protect --dry-run requests as JSON through the CLI wiring, without a token', async () => {
    const { context, out } = capture();
    const program = new Command().exitOverride();
    registerProtect(program, context);
    registerReleaseNotes(program, context);
    await program.parseAsync(['node', 'sanctum', 'protect', '--dry-run', '--repo', 'acme/sanctum', '--json']);
    const result = JSON.parse(out.join('\n')) as { requests: { path: string; body: { required_pull_request_reviews: unknown } }[] };
    expect(result.requests.map((r) => r.path)).toEqual(['/repos/acme/sanctum/branches/main/protection', '/repos/acme/sanctum/branches/staging/protection']);
    expect(result.requests[0]?.body.required_pull_request_reviews).toMatchObject({ bypass_pull_request_allowances: { apps: ['github-actions'] } });
  });
});
