import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nightlyCommand } from '../../src/commands/nightly/nightly.command.js';
import type { NightlyOptions, NightlyResult } from '../../src/commands/nightly/nightly.command.js';

/** The SLO file of the fake project: `measured` is what its fake smoke run reports. */
export interface FakeSlo {
  version: string;
  errorRate: number;
  p95Ms: number;
  p99Ms: number;
  measured: { errorRate: number; p95: number; p99: number; cpu: number; memoryGrowth: number };
}

export const PASSING_SLO: FakeSlo = {
  version: '1',
  errorRate: 0.02,
  p95Ms: 1500,
  p99Ms: 3000,
  measured: { errorRate: 0.001, p95: 120, p99: 300, cpu: 20, memoryGrowth: 2 },
};
/** An SLO no run can meet: p95 below zero milliseconds. */
export const IMPOSSIBLE_SLO: FakeSlo = { ...PASSING_SLO, version: '2', p95Ms: 0 };

export const FAKE_SMOKE = join(import.meta.dirname, '..', 'fixtures', 'fake-smoke.mjs');

export function run(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A bare "origin" with main and staging, and clones of it, in a temporary folder. */
export class GitFixture {
  readonly root = mkdtempSync(join(tmpdir(), 'sanctum-release-'));
  readonly origin = join(this.root, 'origin.git');
  readonly seed = join(this.root, 'seed');

  constructor(slo: FakeSlo = PASSING_SLO) {
    run(this.root, ['init', '--quiet', '--bare', '--initial-branch=main', this.origin]);
    this.clone('seed');
    this.write(this.seed, {
      'slo.json': JSON.stringify(slo, null, 2),
      'smoke.mjs': readFileSync(FAKE_SMOKE, 'utf8'),
      'install.mjs': "import { writeFileSync } from 'node:fs'; writeFileSync('installed.txt', 'ok');\n",
      'build.mjs': "import { writeFileSync } from 'node:fs'; writeFileSync('built.txt', 'ok');\n",
      'README.md': '# fake project\n',
    });
    this.commit(this.seed, 'chore: initial project');
    run(this.seed, ['push', '--quiet', 'origin', 'HEAD:refs/heads/main', 'HEAD:refs/heads/staging']);
  }

  /** A clone of origin with an identity, checked out on main. */
  clone(name: string): string {
    const dir = join(this.root, name);
    run(this.root, ['clone', '--quiet', this.origin, dir]);
    run(dir, ['config', 'user.name', 'Test Bot']);
    run(dir, ['config', 'user.email', 'bot@example.test']);
    return dir;
  }

  write(dir: string, files: Record<string, string>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }

  commit(dir: string, message: string, date?: Date): string {
    run(dir, ['add', '--all']);
    const env: Record<string, string> = date === undefined ? {} : { GIT_AUTHOR_DATE: date.toISOString(), GIT_COMMITTER_DATE: date.toISOString() };
    run(dir, ['commit', '--quiet', '--allow-empty', '-m', message], env);
    return run(dir, ['rev-parse', 'HEAD']);
  }

  /** Commits files on top of origin's `branch` from the seed clone and pushes it. */
  commitOn(branch: string, message: string, files: Record<string, string> = {}, date?: Date): string {
    run(this.seed, ['fetch', '--quiet', 'origin']);
    run(this.seed, ['checkout', '--quiet', '-B', branch, `origin/${branch}`]);
    this.write(this.seed, files);
    const sha = this.commit(this.seed, message, date);
    run(this.seed, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    return sha;
  }

  /** What origin's ref points at (the commit for an annotated tag). */
  originRev(ref: string): string {
    return run(this.origin, ['rev-parse', `${ref}^{commit}`]);
  }

  /**
   * Makes origin refuse pushes to refs matching a shell `case` pattern (e.g.
   * `refs/notes/*`), with a pre-receive hook, as a protected remote would.
   */
  refuse(pattern: string): void {
    const script = `#!/bin/sh\nwhile read old new ref; do case "$ref" in ${pattern}) echo "protected: $ref" >&2; exit 1;; esac; done\n`;
    writeFileSync(join(this.origin, 'hooks', 'pre-receive'), script, { mode: 0o755 });
  }

  originTags(): string[] {
    return run(this.origin, ['tag', '--list', 'release/*']).split('\n').filter((t) => t.length > 0);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Nightly options for the fake project: its own tiny install, build and smoke scripts. */
export function nightlyOptions(fixture: GitFixture, work: string, extra: Partial<NightlyOptions> = {}): NightlyOptions {
  return {
    dir: work,
    outDir: join(fixture.root, 'artifacts'),
    targetRps: 1000,
    soakDurationMin: 15,
    installCommand: ['node', 'install.mjs'],
    buildCommand: ['node', 'build.mjs'],
    smokeCommand: ['node', 'smoke.mjs'],
    env: { PATH: process.env.PATH },
    worktreeParent: fixture.root,
    ...extra,
  };
}

/** Runs the nightly suite without promoting, leaving a real record on origin. */
export async function testStaging(fixture: GitFixture, work: string): Promise<NightlyResult> {
  return nightlyCommand(nightlyOptions(fixture, work, { promote: false }));
}

/** Fixtures created by a test file, removed after each test. */
export function fixturePool(): { create: (slo?: FakeSlo) => GitFixture; disposeAll: () => void } {
  const created: GitFixture[] = [];
  return {
    create: (slo) => {
      const fixture = new GitFixture(slo);
      created.push(fixture);
      return fixture;
    },
    disposeAll: () => {
      for (const fixture of created.splice(0)) fixture.dispose();
    },
  };
}
