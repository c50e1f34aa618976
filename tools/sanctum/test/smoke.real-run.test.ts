import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { smokeCommand } from '../src/commands/smoke/smoke.command.js';
import type { SmokeRun } from '../src/commands/smoke/smoke.command.js';
import { repoRoot } from '../src/lib/repo-root.js';
import type { SmokeResult } from '../src/lib/smoke-result.js';
import { testSloFile } from './helpers/slo-file.js';

// Slow: builds the services when needed (CI has built them already), starts all three and runs
// the whole suite for a few seconds per scenario, then renders the report in Chromium.
let run: SmokeRun;
let dir: string;

beforeAll(async () => {
  const root = repoRoot();
  await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'tsconfig.build.json')], {
    cwd: root,
    timeout: 300_000,
  });
  dir = await mkdtemp(join(tmpdir(), 'smoke-real-'));
  run = await smokeCommand({
    outDir: join(dir, 'out'),
    sloFile: await testSloFile(dir),
    targetRps: 40,
    durationS: 3,
    // Short, but a warm-up all the same: the histograms below must hold the measured requests only.
    warmupS: 1,
    soakDurationMin: 10 / 60,
    baseEnv: { PATH: process.env.PATH },
  });
}, 360_000);

describe('a short real run against the services built from this checkout', () => {
  it('passes every nightly objective and exits 0', () => {
    expect(run.result.error).toBeUndefined();
    expect(run.result.crashes).toEqual([]);
    expect(run.result.scenarios.map((s) => [s.name, s.passed])).toEqual([
      ['load-1k', true],
      ['load-64k', true],
      ['soak', true],
    ]);
    expect(run.result).toMatchObject({ passed: true, valid: true, notRun: [] });
    expect(run.exitCode).toBe(0);
    // The default target is the real send path, and every envelope a 2xx stored reached its recipient's socket.
    for (const scenario of run.result.scenarios) {
      expect(scenario.target).toMatchObject({ name: 'messaging-send', interim: false });
      expect(scenario.warmupS).toBe(1);
      expect(scenario.requests.ok).toBe(scenario.requests.scheduled);
      expect(scenario.delivery?.expected).toBeGreaterThanOrEqual(scenario.requests.ok);
      expect(scenario.delivery?.delivered).toBe(scenario.delivery?.expected);
      expect(scenario.deliveryLatencyMs?.p95).toBeGreaterThan(0);
      // The disk beside the services' databases was probed all along (every 100 ms: about ten syncs a second).
      expect(scenario.disk?.probes).toBeGreaterThanOrEqual(scenario.durationS * 5);
      expect(scenario.timeline?.some((p) => typeof p.diskSyncMaxMs === 'number')).toBe(true);
    }
    const soak = run.result.scenarios[2]!;
    expect(soak.objectives.map((o) => o.objective)).toEqual(['error_rate', 'latency_p95_ms', 'latency_p99_ms', 'memory_growth_percent', 'cpu_avg_percent', 'undelivered_envelopes']);
    expect(soak.resources.map((r) => r.service).sort()).toEqual(['auth', 'directory', 'messaging']);
  });

  it('writes results.json with the encoded histograms, summary.md, report.html, interval logs and the service logs', async () => {
    const results = JSON.parse(await readFile(run.files.results, 'utf8')) as SmokeResult;
    for (const scenario of results.scenarios) {
      const histogram = decodeFromCompressedBase64(scenario.histograms!.latencyUs);
      expect(histogram.totalCount).toBe(scenario.requests.scheduled);
      expect(decodeFromCompressedBase64(scenario.histograms!.deliveryUs!).totalCount).toBe(scenario.delivery?.delivered);
    }
    const summary = await readFile(run.files.summary, 'utf8');
    expect(summary).toContain('## Sanctum smoke: PASSED');
    expect(summary).toContain('| load-1k | 40/s | 3 s (+1 s warm-up) |');
    expect(summary).toContain("envelopes stored by 2xx sends arrived on the recipients' sockets");
    expect(summary).not.toContain('Probe target');
    expect(summary).toContain("probe syncs (4 KiB write and fdatasync every 100 ms beside the services' databases)");
    expect(run.files.histograms).toHaveLength(3);
    expect(results.logs).toEqual(['logs/auth.log', 'logs/directory.log', 'logs/messaging.log']);
    for (const log of run.files.logs) expect(statSync(log).size).toBeGreaterThan(0);
  });

  it('renders report.html in headless Chromium from disk, with no network, four drawn charts per scenario', async () => {
    expect(existsSync('/usr/bin/chromium')).toBe(true);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(pathToFileURL(run.files.report).href);
      await page.waitForSelector('body[data-charts-drawn="12"]', { timeout: 20_000 });
      expect(errors).toEqual([]);
      expect(requested.every((url) => url.startsWith('file:'))).toBe(true);
      expect(await page.locator('h1').textContent()).toBe('Sanctum smoke: PASSED');
      expect(await page.locator('section.scenario').count()).toBe(3);
      // Every chart drew something: its canvas has non-transparent pixels.
      const drawn = await page.$$eval('.chart canvas', (elements) =>
        (elements as HTMLCanvasElement[]).map((canvas) => {
          const { width, height } = canvas;
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted += 1;
          return painted;
        }),
      );
      expect(drawn).toHaveLength(12);
      expect(drawn.every((painted) => painted > 100)).toBe(true);
      const screenshot = join(dir, 'out', 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });
});
