import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCommand } from '../../src/commands/start/start.command.js';
import { freePort } from '../../src/lib/free-port.js';
import { internalTokenFor, PortInUseError, SERVICE_NAMES, startPlatform, startPlatformOnFreePorts } from '../../src/lib/platform.js';
import type { Platform, ServiceName } from '../../src/lib/platform.js';
import { repoRoot } from '../../src/lib/repo-root.js';

/**
 * The launcher behind `sanctum start` (and the nightly's smoke step), run
 * against stand-in services: tiny HTTP servers at services/<name>/dist/main.js
 * of a temporary root that answer /readyz and print what they were given.
 */
const FAKE_SERVICE = `import { createServer } from 'node:http';
const env = process.env;
if (env.EXIT_AT_START) process.exit(Number(env.EXIT_AT_START));
if (env.IGNORE_SIGTERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
createServer((request, response) => {
  response.writeHead(request.url === '/readyz' && !env.NEVER_READY ? 200 : 503);
  response.end();
}).listen(Number(env.PORT), env.HOST, () => {
  console.log('listening on ' + env.HOST + ':' + env.PORT + ' auth=' + env.AUTH_URL + ' token=' + env.SANCTUM_INTERNAL_TOKEN + ' extra=' + (env.EXTRA ?? ''));
  console.error('a line on stderr');
});
`;

const roots: string[] = [];
const platforms: Platform[] = [];
afterEach(async () => {
  for (const platform of platforms.splice(0)) await platform.stop(1000);
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function fakeRoot(services: readonly ServiceName[] = SERVICE_NAMES): string {
  const root = mkdtempSync(join(tmpdir(), 'sanctum-launcher-'));
  roots.push(root);
  for (const name of services) {
    mkdirSync(join(root, 'services', name, 'dist'), { recursive: true });
    writeFileSync(join(root, 'services', name, 'dist', 'main.js'), FAKE_SERVICE);
    // The stand-in is ESM like the real build.
    writeFileSync(join(root, 'services', name, 'package.json'), '{"type":"module"}');
  }
  return root;
}

async function ports(): Promise<Record<ServiceName, number>> {
  return { auth: await freePort(), directory: await freePort(), messaging: await freePort() };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the platform launcher (stand-in services on free ports)', () => {
  it('starts the three services with a shared token and the auth URL, waits for /readyz, streams their lines and stops them', async () => {
    const root = fakeRoot();
    const port = await ports();
    const lines: string[] = [];
    const platform = await startPlatform({
      rootDir: root,
      dataDir: join(root, 'data'),
      ports: port,
      env: { EXTRA: 'everyone' },
      serviceEnv: { messaging: { EXTRA: 'messaging only' } },
      baseEnv: { PATH: process.env.PATH },
      onLine: (service, line) => lines.push(`${service}: ${line}`),
    });
    platforms.push(platform);
    const token = internalTokenFor(join(root, 'data'));

    expect(platform.services.map((s) => s.name)).toEqual(['auth', 'directory', 'messaging']);
    expect(platform.url('directory')).toBe(`http://127.0.0.1:${port.directory}`);
    expect((await fetch(`${platform.url('messaging')}/readyz`)).status).toBe(200);
    await until(() => lines.length >= 6, 'six log lines');
    const auth = `http://127.0.0.1:${port.auth}`;
    expect(lines).toContain(`auth: listening on 127.0.0.1:${port.auth} auth=${auth} token=${token} extra=everyone`);
    expect(lines).toContain(`messaging: listening on 127.0.0.1:${port.messaging} auth=${auth} token=${token} extra=messaging only`);
    expect(lines).toContain('directory: a line on stderr');

    await platform.stop();
    expect(await Promise.all(platform.services.map((s) => s.exited))).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
    // Stopping twice is harmless.
    await platform.stop();
  });

  it('writes each service log to a file under --log-dir', async () => {
    const root = fakeRoot();
    const logDir = join(root, 'logs');
    const platform = await startPlatform({ rootDir: root, dataDir: join(root, 'data'), ports: await ports(), logDir, baseEnv: { PATH: process.env.PATH } });
    platforms.push(platform);
    const log = (name: string): string => {
      try {
        return readFileSync(join(logDir, `${name}.log`), 'utf8');
      } catch {
        return '';
      }
    };
    await until(() => SERVICE_NAMES.every((name) => log(name).includes('a line on stderr')), 'the log files');
    expect(log('auth')).toContain('listening on 127.0.0.1:');
  });

  it('keeps one internal token per data folder, readable only by its owner', () => {
    const root = fakeRoot([]);
    const dataDir = join(root, 'fresh', 'data');
    const token = internalTokenFor(dataDir);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(internalTokenFor(dataDir)).toBe(token);
    expect(statSync(join(dataDir, 'internal-token')).mode & 0o777).toBe(0o600);
  });

  it('fails with the service that exited during start-up, and stops the others', async () => {
    const root = fakeRoot();
    const port = await ports();
    const start = startPlatform({ rootDir: root, dataDir: join(root, 'data'), ports: port, serviceEnv: { directory: { EXIT_AT_START: '3' } }, baseEnv: { PATH: process.env.PATH } });
    await expect(start).rejects.toThrow('directory exited during start-up (3); see its log');
    await expect(fetch(`http://127.0.0.1:${port.auth}/readyz`)).rejects.toThrow();
  });

  it('gives up on a service that never becomes ready', async () => {
    const root = fakeRoot();
    const port = await ports();
    const start = startPlatform({ rootDir: root, dataDir: join(root, 'data'), ports: port, env: { NEVER_READY: '1' }, readyTimeoutMs: 300, baseEnv: { PATH: process.env.PATH } });
    await expect(start).rejects.toThrow(/^(auth|directory|messaging) was not ready at http:\/\/127\.0\.0\.1:\d+\/readyz within 300 ms$/);
  });

  it('stops the services and rejects when start-up is interrupted (Ctrl-C while waiting for /readyz)', async () => {
    const root = fakeRoot();
    const interrupt = new AbortController();
    const base = { rootDir: root, dataDir: join(root, 'data'), env: { NEVER_READY: '1' }, baseEnv: { PATH: process.env.PATH }, signal: interrupt.signal };
    // On free ports, as `sanctum smoke` starts them (a port taken in between means another attempt); the last three picked are the ones in use.
    const picked: number[] = [];
    const lines: string[] = [];
    const start = startPlatformOnFreePorts({ ...base, onLine: (_service, line) => lines.push(line) }, 3, async () => {
      const port = await freePort();
      picked.push(port);
      return port;
    });
    start.catch(() => undefined); // asserted below, once interrupted
    const inUse = (): number[] => picked.slice(-3);
    await until(() => picked.length >= 3 && inUse().every((p) => lines.some((line) => line.startsWith(`listening on 127.0.0.1:${p} `))), 'three listening services');
    interrupt.abort('SIGINT');
    await expect(start).rejects.toThrow('start-up was interrupted');
    for (const port of inUse()) await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
    // Already interrupted: nothing is started.
    const late: string[] = [];
    const [auth = 0, directory = 0, messaging = 0] = inUse();
    await expect(startPlatform({ ...base, ports: { auth, directory, messaging }, onLine: (_service, line) => late.push(line) })).rejects.toThrow(
      'start-up was interrupted',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(late).toEqual([]);
  });

  it('tells a taken port apart, and on free ports starts again on others when one was taken in between', async () => {
    // Holds a port; the launcher's /readyz polls that reach it are hung up on, so closing it does not wait for them.
    const holder: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      const root = fakeRoot();
      const base = { rootDir: root, dataDir: join(root, 'data'), baseEnv: { PATH: process.env.PATH } };
      const refused = startPlatform({ ...base, ports: { ...(await ports()), directory: taken } });
      await expect(refused).rejects.toThrow(PortInUseError);
      await expect(refused).rejects.toThrow(`directory could not listen on port ${taken}: it is in use`);

      // The first pick hands out the taken port; the second attempt gets free ones.
      const picks = [taken];
      const platform = await startPlatformOnFreePorts(base, 3, async () => picks.shift() ?? freePort());
      platforms.push(platform);
      expect(picks).toEqual([]); // the first attempt did get the taken port
      expect(platform.services.map((s) => s.url)).not.toContain(`http://127.0.0.1:${taken}`);
      for (const service of platform.services) expect((await fetch(`${service.url}/readyz`)).status).toBe(200);

      // Any other failure is not retried: it would fail the same way again.
      const broken = fakeRoot();
      let portsPicked = 0;
      await expect(
        startPlatformOnFreePorts({ ...base, rootDir: broken, serviceEnv: { auth: { EXIT_AT_START: '3' } } }, 3, async () => {
          portsPicked += 1;
          return freePort();
        }),
      ).rejects.toThrow('auth exited during start-up (3)');
      expect(portsPicked).toBe(3); // one attempt: three ports, one per service
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('asks for a build when a service is missing', async () => {
    const root = fakeRoot(['auth']);
    await expect(startPlatform({ rootDir: root, dataDir: join(root, 'data'), ports: await ports() })).rejects.toThrow(
      `${join(root, 'services', 'directory', 'dist', 'main.js')} is missing: run \`npm run build\` first`,
    );
  });

  it('kills a service that ignores SIGTERM after the grace period', async () => {
    const root = fakeRoot();
    const platform = await startPlatform({
      rootDir: root,
      dataDir: join(root, 'data'),
      ports: await ports(),
      serviceEnv: { auth: { IGNORE_SIGTERM: '1' } },
      baseEnv: { PATH: process.env.PATH },
    });
    await platform.stop(200);
    expect(await platform.services[0]?.exited).toBe('SIGKILL');
  });

  it('startCommand reports each service with its URL and process id', async () => {
    const root = fakeRoot();
    const port = await ports();
    const result = await startCommand({ rootDir: root, dataDir: join(root, 'data'), ports: port, baseEnv: { PATH: process.env.PATH } });
    platforms.push(result.platform);
    expect(result.services.map((s) => [s.name, s.url])).toEqual([
      ['auth', `http://127.0.0.1:${port.auth}`],
      ['directory', `http://127.0.0.1:${port.directory}`],
      ['messaging', `http://127.0.0.1:${port.messaging}`],
    ]);
    expect(result.services.every((s) => typeof s.pid === 'number')).toBe(true);
    expect(result.startedInMs).toBeGreaterThanOrEqual(0);
  });

  it('knows the checkout it belongs to', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('sanctum');
  });
});
