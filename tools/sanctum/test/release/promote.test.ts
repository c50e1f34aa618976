import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@sanctum/kernel';
import { promoteCommand } from '../../src/commands/promote/promote.command.js';
import { fetchRemote, pipelineRepo } from '../../src/lib/git/refs.git.js';
import { syncRecords } from '../../src/lib/records/record.store.js';
import { fixturePool, IMPOSSIBLE_SLO, run, testStaging } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const at = (iso: string) => () => new Date(iso);

describe('sanctum promote (slow: real git repositories)', () => {
  it('refuses a commit the nightly suite never tested, and says so', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const untested = fixture.commitOn('staging', 'feat: untested');
    const error = await refusal(promoteCommand({ dir: work }));
    expect(error.code).toBe('GATE_NOT_TESTED');
    expect(error.statusCode).toBe(409);
    expect(error.message).toContain(untested.slice(0, 7));
    expect(error.message).toContain('never tested');
    expect(fixture.originTags()).toEqual([]);
  });

  it('refuses a commit whose last nightly failed, with the failed objective', async () => {
    const fixture = pool.create(IMPOSSIBLE_SLO);
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: slow');
    await testStaging(fixture, work);
    const error = await refusal(promoteCommand({ dir: fixture.clone('laptop') }));
    expect(error.code).toBe('GATE_NOT_TESTED');
    expect(error.message).toMatch(/SLO failed: load-1k latency_p95_ms 120 ≥ 0 ms/);
  });

  it('promotes a tested commit from another clone (records travel through origin)', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const feature = fixture.commitOn('staging', 'feat: tested elsewhere');
    await testStaging(fixture, work);
    const result = await promoteCommand({ dir: fixture.clone('laptop'), now: at('2025-02-01T10:20:30Z') });
    expect(result.status).toBe('promoted');
    expect(result.tag).toBe('release/20250201-102030');
    expect(fixture.originRev('refs/heads/main')).toBe(feature);
    expect(result.commits.map((c) => c.subject)).toEqual(['feat: tested elsewhere']);
    const again = await promoteCommand({ dir: work, commit: feature });
    expect(again.status).toBe('up-to-date');
  });

  it('refuses when a hotfix on main was not merged back into staging', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: tested');
    await testStaging(fixture, work);
    fixture.commitOn('main', 'fix: hotfix straight to main');
    const error = await refusal(promoteCommand({ dir: work }));
    expect(error.code).toBe('GATE_MAIN_NOT_ANCESTOR');
    expect(error.message).toContain('fix: hotfix straight to main');
    expect(error.message).toContain('sanctum hotfix backport');
    expect(fixture.originTags()).toEqual([]);
  });

  it('lets exactly one of two promotions win when the other looked at main before it moved', async () => {
    const fixture = pool.create();
    const first = fixture.clone('first');
    const second = fixture.clone('second');
    const one = fixture.commitOn('staging', 'feat: one');
    await testStaging(fixture, first);
    const two = fixture.commitOn('staging', 'feat: two');
    await testStaging(fixture, first);
    // The second promoter fetched while main was still old.
    const repo = pipelineRepo({ dir: second });
    await fetchRemote(repo);
    await syncRecords({ dir: second, remote: 'origin' });

    const winner = await promoteCommand({ dir: first, now: at('2025-03-01T02:00:00Z') });
    const error = await refusal(promoteCommand({ dir: second, commit: one, fetch: false, now: at('2025-03-01T02:00:05Z') }));

    expect(winner.status).toBe('promoted');
    expect(error.code).toBe('GATE_PUSH_REJECTED');
    expect(error.message).toContain('stale info');
    expect(fixture.originRev('refs/heads/main')).toBe(two);
    expect(fixture.originTags()).toEqual(['release/20250301-020000']);
    // The loser removed its local tag.
    expect(run(second, ['tag', '--list', 'release/*'])).toBe('');
  });

  it('refuses the loser of a race for the same commit and takes back its tag', async () => {
    const fixture = pool.create();
    const first = fixture.clone('first');
    const second = fixture.clone('second');
    const feature = fixture.commitOn('staging', 'feat: same');
    await testStaging(fixture, first);
    await fetchRemote(pipelineRepo({ dir: second }));
    await syncRecords({ dir: second, remote: 'origin' });

    await promoteCommand({ dir: first, now: at('2025-03-02T02:00:00Z') });
    const error = await refusal(promoteCommand({ dir: second, fetch: false, now: at('2025-03-02T02:00:09Z') }));

    expect(error.code).toBe('GATE_PUSH_REJECTED');
    expect(error.message).toContain('another promotion of the same commit won');
    expect(fixture.originRev('refs/heads/main')).toBe(feature);
    expect(fixture.originTags()).toEqual(['release/20250302-020000']);
    expect(run(second, ['tag', '--list', 'release/*'])).toBe('');
  });

  it('leaves a consistent state when two promotions run at the same time', async () => {
    const fixture = pool.create();
    const first = fixture.clone('first');
    const second = fixture.clone('second');
    const feature = fixture.commitOn('staging', 'feat: raced');
    await testStaging(fixture, first);

    const outcomes = await Promise.allSettled([
      promoteCommand({ dir: first, now: at('2025-04-01T02:00:00Z') }),
      promoteCommand({ dir: second, now: at('2025-04-01T02:00:01Z') }),
    ]);

    const promoted = outcomes.filter((o) => o.status === 'fulfilled' && o.value.status === 'promoted');
    expect(promoted).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect((outcome.reason as AppError).code).toBe('GATE_PUSH_REJECTED');
      else expect(['promoted', 'up-to-date']).toContain(outcome.value.status);
    }
    expect(fixture.originRev('refs/heads/main')).toBe(feature);
    const tags = fixture.originTags();
    expect(tags).toHaveLength(1);
    expect(fixture.originRev(`refs/tags/${tags[0] ?? ''}`)).toBe(feature);
  });
});
