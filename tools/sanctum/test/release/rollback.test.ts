import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@sanctum/kernel';
import { promoteCommand } from '../../src/commands/promote/promote.command.js';
import { rollbackCommand } from '../../src/commands/rollback/rollback.command.js';
import { loadRecords } from '../../src/lib/records/record.store.js';
import { fixturePool, testStaging } from './git-fixture.js';
import type { GitFixture } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

/** Two releases on main, and staging one unreleased commit ahead. */
async function twoReleases(): Promise<{ fixture: GitFixture; work: string; first: string; second: string; unreleased: string }> {
  const fixture = pool.create();
  const work = fixture.clone('work');
  const first = fixture.commitOn('staging', 'feat: first release');
  await testStaging(fixture, work);
  await promoteCommand({ dir: work, now: () => new Date('2025-01-03T02:00:00Z') });
  const second = fixture.commitOn('staging', 'feat: bad release');
  await testStaging(fixture, work);
  await promoteCommand({ dir: work, now: () => new Date('2025-01-04T02:00:00Z') });
  const unreleased = fixture.commitOn('staging', 'feat: not yet released');
  return { fixture, work, first, second, unreleased };
}

describe('sanctum rollback (slow: real git repositories)', () => {
  it('shows what will change and changes nothing without --yes', async () => {
    const { fixture, work, first, second, unreleased } = await twoReleases();
    const plan = await rollbackCommand({ dir: work, target: 'main', to: 'release/20250103-020000', yes: false });
    expect(plan.applied).toBe(false);
    expect(plan.resets.map((r) => [r.branch, r.from, r.to, r.removed.map((c) => c.subject)])).toEqual([
      ['main', second, first, ['feat: bad release']],
      ['staging', unreleased, first, ['feat: not yet released', 'feat: bad release']],
    ]);
    expect(fixture.originRev('refs/heads/main')).toBe(second);
    expect(fixture.originRev('refs/heads/staging')).toBe(unreleased);
  });

  it('resets main to the tag and staging to main with --yes, and records it', async () => {
    const { fixture, work, first } = await twoReleases();
    const result = await rollbackCommand({ dir: work, target: 'main', to: 'release/20250103-020000', yes: true });
    expect(result.applied).toBe(true);
    expect(fixture.originRev('refs/heads/main')).toBe(first);
    expect(fixture.originRev('refs/heads/staging')).toBe(first);
    const { records } = await loadRecords({ dir: work });
    expect(records.at(-1)).toMatchObject({ kind: 'rollback', commit: first, rollback: { tag: 'release/20250103-020000' } });
  });

  it('refuses a tag that is not a release tag, and an unknown one', async () => {
    const { work } = await twoReleases();
    const notRelease = await rollbackCommand({ dir: work, target: 'main', to: 'v1.0.0', yes: true }).catch((e: unknown) => e);
    expect(notRelease).toBeInstanceOf(AppError);
    expect((notRelease as AppError).code).toBe('GATE_NOT_A_RELEASE_TAG');
    const missing = await rollbackCommand({ dir: work, target: 'main', to: 'release/20200101-000000', yes: true }).catch((e: unknown) => e);
    expect((missing as AppError).code).toBe('GATE_REF_NOT_FOUND');
  });

  it('rollback staging resets staging to main only', async () => {
    const { fixture, work, second } = await twoReleases();
    const plan = await rollbackCommand({ dir: work, target: 'staging', yes: false });
    expect(plan.resets.map((r) => r.branch)).toEqual(['staging']);
    await rollbackCommand({ dir: work, target: 'staging', yes: true });
    expect(fixture.originRev('refs/heads/staging')).toBe(second);
    expect(fixture.originRev('refs/heads/main')).toBe(second);
    const nothing = await rollbackCommand({ dir: work, target: 'staging', yes: true });
    expect(nothing).toMatchObject({ applied: false, resets: [] });
  });
});
