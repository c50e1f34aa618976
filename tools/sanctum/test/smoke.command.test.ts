import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { smokeCommand } from '../src/commands/smoke/smoke.command.js';
import { httpTarget } from '../src/lib/load/http.target.js';
import { readyzProbeTarget } from '../src/lib/load/probe.target.js';
import type { SmokeResult } from '../src/lib/smoke-result.js';
import { startReferenceServer } from './helpers/reference-server.js';
import type { ReferenceServer } from './helpers/reference-server.js';
import { testSloFile } from './helpers/slo-file.js';

let servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function server(...args: Parameters<typeof startReferenceServer>): Promise<ReferenceServer> {
  const started = await startReferenceServer(...args);
  servers.push(started);
  return started;
}

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'smoke-command-'));

describe('sanctum smoke against running services', () => {
  it('fails the error-rate objective of a service answering 500 to 5%, with artifacts and exit code 1', async () => {
    const dir = await tempDir();
    const failing = await server('fail', ['--fail-every', '20']);
    const messages: string[] = [];
    const run = await smokeCommand({
      warmupS: 0,
      outDir: join(dir, 'out'),
      sloFile: await testSloFile(dir),
      scenarios: ['load-1k'],
      targetRps: 100,
      durationS: 2,
      urls: { messaging: failing.url },
      pids: { messaging: failing.pid },
      target: readyzProbeTarget,
      commit: 'abc123',
      onMessage: (line) => messages.push(line),
    });
    expect(run.exitCode).toBe(1);
    expect(run.result).toMatchObject({ passed: false, valid: true, commit: 'abc123', crashes: [], notRun: [] });
    const [scenario] = run.result.scenarios;
    expect(scenario?.objectives.find((o) => o.objective === 'error_rate')).toMatchObject({ measured: 0.05, passed: false });
    expect(scenario?.target).toMatchObject({ name: 'readyz-probe', interim: true });
    expect(scenario?.resourceSamples?.[0]?.service).toBe('messaging');
    expect(messages.some((m) => m.includes('a probe: not the Messaging send path'))).toBe(true);
    expect(await readFile(run.files.summary, 'utf8')).toContain('**Probe target** `readyz-probe`');
    const written = JSON.parse(await readFile(run.files.results, 'utf8')) as SmokeResult;
    expect(written.passed).toBe(false);
    expect(await readFile(run.files.summary, 'utf8')).toContain('## Sanctum smoke: FAILED');
    expect(existsSync(join(dir, 'out', 'histograms', 'load-1k.hlog'))).toBe(true);
  });

  it('takes a target factory, and reports a crash of a monitored service and the scenarios it stopped', async () => {
    const dir = await tempDir();
    const fast = await server('fast');
    const killer = setTimeout(() => void fast.stop(), 1500);
    const run = await smokeCommand({
      warmupS: 0,
      outDir: join(dir, 'out'),
      sloFile: await testSloFile(dir),
      scenarios: ['load-1k', 'load-64k'],
      targetRps: 50,
      durationS: 3,
      timeoutMs: 1000,
      urls: { messaging: fast.url },
      pids: { messaging: fast.pid },
      target: (urls) =>
        httpTarget({ name: 'messaging-send', description: 'POST /v1/messages', interim: false, url: `${urls.messaging}/v1/messages`, sendPayload: true }),
    });
    clearTimeout(killer);
    expect(run.exitCode).toBe(1);
    expect(run.result.crashes).toEqual([{ service: 'messaging', exit: 'the process is gone' }]);
    expect(run.result.notRun).toEqual([{ scenario: 'load-64k', reason: 'messaging crashed earlier in the run' }]);
    expect(run.result.scenarios[0]).toMatchObject({ payloadBytes: 1024, target: { name: 'messaging-send', interim: false } });
    expect(run.result.scenarios[0]?.requests.errors).toBeGreaterThan(0);
    const summary = await readFile(run.files.summary, 'utf8');
    expect(summary).toContain('messaging crashed');
    expect(summary).toContain('load-64k did not run');
  });

  it('reports an invalid run as INVALID, never as passed', async () => {
    const dir = await tempDir();
    const fast = await server('fast');
    const run = await smokeCommand({
      warmupS: 0,
      outDir: join(dir, 'out'),
      sloFile: await testSloFile(dir, (slo) => ({ ...slo, generator: { ...slo.generator, maxCpuPercent: 0.0001 } })),
      scenarios: ['load-1k'],
      targetRps: 20,
      durationS: 1,
      urls: { messaging: fast.url },
      target: readyzProbeTarget,
    });
    expect(run.result).toMatchObject({ valid: false, passed: false });
    expect(run.exitCode).toBe(1);
    expect(await readFile(run.files.summary, 'utf8')).toContain('## Sanctum smoke: INVALID');
  });

  it('records a run whose services could not start as failed, with every scenario not run', async () => {
    const dir = await tempDir();
    const run = await smokeCommand({
      warmupS: 0,
      outDir: join(dir, 'out'),
      sloFile: await testSloFile(dir),
      rootDir: dir,
      scenarios: ['load-1k', 'soak'],
      durationS: 1,
    });
    expect(run.exitCode).toBe(1);
    expect(run.result.error).toContain('run `npm run build` first');
    expect(run.result.notRun?.map((n) => n.scenario)).toEqual(['load-1k', 'soak']);
    expect(JSON.parse(await readFile(run.files.results, 'utf8'))).toMatchObject({ passed: false, scenarios: [] });
  });

  it('refuses unknown scenarios and scenarios the SLO file sets no objectives for, before starting anything', async () => {
    const dir = await tempDir();
    const sloFile = await testSloFile(dir, (slo) => ({ ...slo, scenarios: { 'load-1k': { error_rate: 0.02 } } }));
    await expect(smokeCommand({ outDir: dir, sloFile, scenarios: ['load-2k'] })).rejects.toThrow(/unknown scenario load-2k/);
    await expect(smokeCommand({ outDir: dir, sloFile, scenarios: ['soak'] })).rejects.toThrow(/sets no objectives for soak/);
  });
});
