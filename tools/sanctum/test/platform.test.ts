import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, internalTokenFor, repoRoot, startCommand, startPlatform } from '@sanctum/cli';
import type { Platform } from '@sanctum/cli';

let platform: Platform | undefined;
let dir: string | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function ports() {
  return { auth: await freePort(), directory: await freePort(), messaging: await freePort() };
}

describe('the platform launcher (npm start)', () => {
  it('starts the three built services, each ready with health, metrics and OpenAPI, and stops them gracefully', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanctum-platform-'));
    const lines: string[] = [];
    const result = await startCommand({
      dataDir: join(dir, 'data'),
      ports: await ports(),
      baseEnv: { PATH: process.env.PATH },
      onLine: (service, line) => lines.push(`${service} ${line}`),
    });
    platform = result.platform;
    expect(result.services.map((s) => s.name)).toEqual(['auth', 'directory', 'messaging']);
    for (const service of result.services) {
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${service.url}/metrics`)).text()).toContain('http_requests_total');
      expect((await (await fetch(`${service.url}/openapi.json`)).json()).openapi).toBe('3.1.0');
      expect(existsSync(join(dir, 'data', `${service.name}.sqlite`))).toBe(true);
    }
    await platform.stop();
    const exits = await Promise.all(platform.services.map((s) => s.exited));
    expect(exits).toEqual([0, 0, 0]);
    expect(lines.some((l) => l.includes('shutting down'))).toBe(true);
  });

  it('writes each service log to its own file when asked, shares one internal token, and passes node flags through', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanctum-platform-'));
    const dataDir = join(dir, 'data');
    platform = await startPlatform({
      rootDir: repoRoot(),
      dataDir,
      logDir: join(dir, 'logs'),
      ports: await ports(),
      baseEnv: { PATH: process.env.PATH },
      nodeArgs: ['--stack-size=900'],
    });
    if (process.platform === 'linux') {
      for (const service of platform.services) {
        expect(readFileSync(`/proc/${String(service.process.pid)}/cmdline`, 'utf8').split('\0')).toContain('--stack-size=900');
      }
    }
    await platform.stop();
    for (const name of ['auth', 'directory', 'messaging']) {
      expect(readFileSync(join(dir, 'logs', `${name}.log`), 'utf8')).toContain('"msg":"shutting down"');
    }
    expect(internalTokenFor(dataDir)).toMatch(/^[0-9a-f]{64}$/);
    expect(internalTokenFor(dataDir)).toBe(internalTokenFor(dataDir));
  });

  it('fails clearly when a service cannot start', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanctum-platform-'));
    const taken = await ports();
    await expect(
      startPlatform({
        rootDir: repoRoot(),
        dataDir: join(dir, 'data'),
        ports: taken,
        baseEnv: { PATH: process.env.PATH },
        serviceEnv: { directory: { LOG_LEVEL: 'not-a-level' } },
        readyTimeoutMs: 15_000,
      }),
    ).rejects.toThrow(/directory exited during start-up/);
    await expect(startPlatform({ rootDir: join(dir, 'nowhere'), dataDir: join(dir, 'data') })).rejects.toThrow(/npm run build/);
  });
});
