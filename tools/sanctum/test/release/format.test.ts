import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hotfixFinishCommand, hotfixStartCommand } from '../../src/commands/hotfix/hotfix.command.js';
import { formatHotfixFinish, formatHotfixStart } from '../../src/commands/hotfix/hotfix.format.js';
import { metricsCommand } from '../../src/commands/metrics/metrics.command.js';
import { formatMetrics } from '../../src/commands/metrics/metrics.format.js';
import { nightlyCommand } from '../../src/commands/nightly/nightly.command.js';
import { formatNightlyMarkdown } from '../../src/commands/nightly/nightly.format.js';
import { formatPromote } from '../../src/commands/promote/promote.format.js';
import { protectCommand } from '../../src/commands/protect/protect.command.js';
import { formatProtect } from '../../src/commands/protect/protect.format.js';
import { rollbackCommand } from '../../src/commands/rollback/rollback.command.js';
import { formatRollback } from '../../src/commands/rollback/rollback.format.js';
import { fixturePool, nightlyOptions } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

describe('human output of the release commands (slow: real git)', () => {
  it('says what happened in words a person can act on', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: shown');
    const nightly = await nightlyCommand(nightlyOptions(fixture, work, { now: () => new Date('2025-01-03T02:00:00Z') }));
    expect(formatNightlyMarkdown(nightly)).toContain('## Nightly smoke: Passed and promoted');
    expect(formatNightlyMarkdown(nightly)).toContain('Release tag: `release/20250103-020000`');
    if (nightly.promotion === undefined) throw new Error('expected a promotion');
    expect(formatPromote(nightly.promotion)).toContain('feat: shown');
    expect(formatPromote({ ...nightly.promotion, status: 'up-to-date' })).toContain('nothing to promote');

    const plan = await rollbackCommand({ dir: work, target: 'staging', yes: false });
    expect(formatRollback(plan)).toContain('Nothing to roll back');

    const started = await hotfixStartCommand({ dir: work, name: 'words' });
    expect(formatHotfixStart(started)).toContain('sanctum hotfix finish words');
    fixture.commitOn('staging', 'feat: readme on staging', { 'README.md': 'staging\n' });
    fixture.write(work, { 'README.md': 'hotfix\n' });
    fixture.commit(work, 'fix: readme');
    const finished = await hotfixFinishCommand({ dir: work, name: 'words', now: () => new Date('2025-01-04T02:00:00Z') });
    expect(formatHotfixFinish(finished)).toMatch(/Backport CONFLICT[\s\S]*README\.md/);

    const metrics = await metricsCommand({
      dir: work,
      alertsFile: join(import.meta.dirname, '..', '..', '..', '..', 'slo', 'alerts.json'),
      outDir: join(fixture.root, 'metrics'),
    });
    const table = formatMetrics(metrics);
    expect(table).toContain('Load-test pass rate');
    expect(table).toContain('Dashboard:');

    const protect = await protectCommand({
      target: { owner: 'a', repo: 'b' },
      dryRun: true,
      mainBranch: 'main',
      stagingBranch: 'staging',
      checks: ['test'],
      botApps: ['bot'],
      botUsers: [],
      restrictPushes: false,
    });
    expect(formatProtect(protect)).toContain('PUT /repos/a/b/branches/staging/protection');
  });
});
