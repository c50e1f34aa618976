import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MetricsResult } from '../../src/commands/metrics/metrics.command.js';
import type { NightlyResult } from '../../src/commands/nightly/nightly.command.js';
import { registerNightly } from '../../src/commands/nightly/nightly.cli.js';
import type { CliContext } from '../../src/lib/cli-context.js';
import { createProgram, runCli } from '../../src/lib/cli-program.js';
import { EXIT_CODES } from '../../src/lib/exit-code.js';
import { capturingContext, sanctum } from './cli-harness.js';
import { fixturePool, IMPOSSIBLE_SLO } from './git-fixture.js';

const pool = fixturePool();
afterEach(() => {
  pool.disposeAll();
});

/** The fake project's own steps (see git-fixture.ts), as a workflow would pass them. */
const STEPS = ['--install-command', 'node install.mjs', '--build-command', 'node build.mjs', '--smoke-command', 'node smoke.mjs', '--worktree-dir', '..'];
const ALERTS = join(import.meta.dirname, '..', '..', '..', '..', 'slo', 'alerts.json');

describe('sanctum nightly through the CLI wiring (slow: real git)', () => {
  it('passes the parameters to the steps, prints the summary, reports progress on stderr and promotes', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const feature = fixture.commitOn('staging', 'feat: nightly from the CLI');

    const cli = await sanctum(['nightly', ...STEPS, '--target-rps', '200', '--soak-duration', '2', '--step-timeout', '5', '--out', '../nightly-out'], { cwd: work });

    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^## Nightly smoke: Passed and promoted\n/);
    expect(cli.stdout).toContain(`- Commit: \`${feature}\``);
    expect(cli.stdout).toContain('- Load: 200 req/s, soak 2 min');
    expect(cli.stderr.split('\n')).toEqual([
      `Testing ${feature} (staging) at 200 req/s, soak 2 min`,
      'install: node install.mjs',
      'build: node build.mjs',
      expect.stringMatching(/^smoke: node smoke\.mjs --out .*nightly-out\/smoke --target-rps 200 --soak-duration 2$/) as unknown,
      `Passed; promoting ${feature}`,
    ]);
    // --out is relative to the working directory the context names.
    const out = join(fixture.root, 'nightly-out');
    expect((JSON.parse(readFileSync(join(out, 'nightly.json'), 'utf8')) as NightlyResult).status).toBe('promoted');
    expect(readFileSync(join(out, 'logs', 'smoke.log'), 'utf8')).toContain('--target-rps 200 --soak-duration 2');
    expect(fixture.originRev('refs/heads/main')).toBe(feature);

    const upToDate = await sanctum(['nightly', ...STEPS, '--out', '../nightly-out', '--json'], { cwd: work });
    expect(upToDate.code).toBe(0);
    expect(upToDate.json()).toMatchObject({ status: 'up-to-date', commit: feature, targetRps: 1000, soakDurationMin: 15 });
  });

  it('exits 5 when the suite fails its SLOs, leaving main alone', async () => {
    const fixture = pool.create(IMPOSSIBLE_SLO);
    const work = fixture.clone('work');
    const feature = fixture.commitOn('staging', 'feat: too slow');
    const main = fixture.originRev('refs/heads/main');
    const cli = await sanctum(['nightly', ...STEPS, '--out', '../failed'], { cwd: work });
    expect(cli.code).toBe(EXIT_CODES.sloFailed);
    expect(cli.stdout).toMatch(/^## Nightly smoke: FAILED: promotion blocked\n/);
    expect(cli.stderr.split('\n').at(-1)).toBe(`sanctum: GATE_SMOKE_FAILED: The nightly suite failed for ${feature.slice(0, 7)}: the smoke suite failed its SLOs`);
    expect(fixture.originRev('refs/heads/main')).toBe(main);
    expect(existsSync(join(fixture.root, 'failed', 'smoke', 'results.json'))).toBe(true);
  });

  it('exits 3 when main is not an ancestor, and 0 with --no-promote', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: waiting');
    const passed = await sanctum(['nightly', ...STEPS, '--no-promote', '--out', '../np', '--json'], { cwd: work });
    expect(passed.code).toBe(0);
    expect(passed.json()).toMatchObject({ status: 'passed', smokePassed: true, record: { kind: 'nightly', passed: true } });

    fixture.commitOn('main', 'fix: hotfix not merged back');
    const blocked = await sanctum(['nightly', ...STEPS, '--out', '../blocked'], { cwd: work });
    expect(blocked.code).toBe(EXIT_CODES.refused);
    expect(blocked.stdout).toMatch(/^## Nightly smoke: BLOCKED: not promoted\n/);
    expect(blocked.stderr).toMatch(/sanctum: GATE_PROMOTION_BLOCKED: [0-9a-f]{7} was not promoted: Refusing to promote/);
  });

  it('exits 143 on SIGTERM, runs no step and leaves main alone', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: cancelled');
    const main = fixture.originRev('refs/heads/main');
    const captured = capturingContext({ cwd: work });
    const { stdout, stderr, exits } = captured;
    const context: CliContext = {
      ...captured.context,
      // The signal arrives as soon as nightly listens: before the first step.
      onStopSignal: (stop) => {
        stop('SIGTERM');
        return () => undefined;
      },
    };
    const program = createProgram(context);
    registerNightly(program, context);
    await runCli(program, ['node', 'sanctum', 'nightly', ...STEPS, '--out', '../cancelled'], context);
    expect(exits).toEqual([143]);
    expect(stderr[0]).toBe('SIGTERM: stopping the running step…');
    expect(stdout.join('\n')).toMatch(/^## Nightly smoke: INTERRUPTED: nothing recorded or promoted\n/);
    expect(existsSync(join(fixture.root, 'cancelled', 'logs'))).toBe(false);
    expect(fixture.originRev('refs/heads/main')).toBe(main);
  });

  it('refuses an unsplittable step command and a non-positive rate with exit 2', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const quote = await sanctum(['nightly', '--install-command', 'npm "ci'], { cwd: work });
    expect(quote.code).toBe(EXIT_CODES.usage);
    expect(quote.stderr).toBe('sanctum: GATE_BAD_ARGUMENT: --install-command: unterminated " quote in: npm "ci');
    const rate = await sanctum(['nightly', '--target-rps', '0'], { cwd: work });
    expect(rate.code).toBe(EXIT_CODES.usage);
    expect(rate.stderr).toContain("error: option '--target-rps <n>' argument '0' is invalid. expected a positive number, got 0");
    expect(existsSync(join(work, 'artifacts'))).toBe(false);
  });
});

describe('sanctum metrics through the CLI wiring (slow: real git)', () => {
  it('prints the table and writes the files where --out says, exit 0 without alerts', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const cli = await sanctum(['metrics', '--alerts', ALERTS, '--out', '../metrics', '--window-days', '10'], { cwd: work });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^Release metrics, last 10 days \(thresholds 2025-01-03\)\nmetric +value +target +alert +status +n\n/);
    expect(cli.stdout).toContain('No alerts.');
    expect(cli.stdout).toContain(`Dashboard: ${join(fixture.root, 'metrics', 'dashboard.html')}`);
    expect(existsSync(join(fixture.root, 'metrics', 'metrics.json'))).toBe(true);
  });

  it('exits 5 with the alert list when staging has waited more than 48 hours', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    fixture.commitOn('staging', 'feat: stuck', {}, new Date(Date.now() - 72 * 3_600_000));
    const cli = await sanctum(['metrics', '--alerts', ALERTS, '--out', '../m', '--json'], { cwd: work });
    expect(cli.code).toBe(EXIT_CODES.sloFailed);
    const result = cli.json() as MetricsResult;
    expect(result.alerts.map((a) => a.metric)).toEqual(['blocked_hours']);
    expect(cli.stderr).toMatch(/^sanctum: GATE_METRICS_ALERT: 1 alert\(s\): Blocked: staging ahead of main, no promotion: 7\d(\.\d+)? h \(alert unless ≤ 48\)$/);
    // --no-fetch reads what is there already: the same alert.
    const again = await sanctum(['metrics', '--alerts', ALERTS, '--out', '../m', '--no-fetch'], { cwd: work });
    expect(again.code).toBe(EXIT_CODES.sloFailed);
    expect(again.stdout).toContain('ALERTS (1):\n  - Blocked: staging ahead of main');
  });

  it('refuses a missing thresholds file with exit 2', async () => {
    const fixture = pool.create();
    const work = fixture.clone('work');
    const cli = await sanctum(['metrics', '--alerts', 'nowhere.json'], { cwd: work });
    expect(cli.code).toBe(EXIT_CODES.usage);
    expect(cli.stderr).toBe(`sanctum: GATE_BAD_ALERTS_FILE: ${join(work, 'nowhere.json')}: missing or not valid JSON`);
  });
});
