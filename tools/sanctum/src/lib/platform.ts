import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './free-port.js';

export const SERVICE_NAMES = ['auth', 'directory', 'messaging'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = { auth: 4001, directory: 4002, messaging: 4003 };

export interface PlatformOptions {
  /** Repository root holding services/<name>/dist/main.js. */
  rootDir: string;
  /** Where the SQLite files (and the shared internal token) live. */
  dataDir: string;
  host?: string;
  ports?: Partial<Record<ServiceName, number>>;
  /** When set, each service logs to `<logDir>/<name>.log`; otherwise lines go to `onLine`. */
  logDir?: string;
  onLine?: (service: ServiceName, line: string) => void;
  /** Extra environment for every service (its own variables win over the parent's). */
  env?: Record<string, string>;
  /** Extra environment for one service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** The parent's environment, passed through (PATH and friends). */
  baseEnv?: Record<string, string | undefined>;
  /**
   * Flags for each service's `node` (`--cpu-prof`, `--perf-basic-prof`):
   * Node refuses the profilers in NODE_OPTIONS, so profiling a service under
   * a smoke run's load needs them on its command line.
   */
  nodeArgs?: readonly string[];
  /** How long each service may take to answer /readyz (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * Aborted during start-up (Ctrl-C while waiting for /readyz): stops the
   * services already started and rejects, since the caller has no Platform
   * yet to stop them with.
   */
  signal?: AbortSignal;
}

export interface RunningService {
  readonly name: ServiceName;
  readonly url: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

export interface Platform {
  readonly services: readonly RunningService[];
  url(name: ServiceName): string;
  /** SIGTERM to each service, SIGKILL after the grace period; resolves when all have exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A service could not listen because its port was taken: the one failure that other ports cure. */
export class PortInUseError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly port: number,
  ) {
    super(`${service} could not listen on port ${port}: it is in use (another process holds it)`);
    this.name = 'PortInUseError';
  }
}

/** The internal token the three services share; kept in the data folder so restarts agree. */
export function internalTokenFor(dataDir: string): string {
  const file = join(dataDir, 'internal-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/**
 * Starts Auth, Directory and Messaging from their builds as separate
 * processes on the embedded default and waits until each answers /readyz.
 * `npm start` and `sanctum smoke` both use it.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  if (options.signal?.aborted === true) throw new Error('start-up was interrupted');
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const internalToken = internalTokenFor(dataDir);
  if (options.logDir !== undefined) mkdirSync(options.logDir, { recursive: true });
  const authUrl = `http://${host}:${ports.auth}`;

  const launched = SERVICE_NAMES.map((name) => {
    const main = join(options.rootDir, 'services', name, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const env: Record<string, string | undefined> = {
      ...options.baseEnv,
      HOST: host,
      PORT: String(ports[name]),
      DATA_DIR: dataDir,
      AUTH_URL: authUrl,
      SANCTUM_INTERNAL_TOKEN: internalToken,
      ...options.env,
      ...options.serviceEnv?.[name],
    };
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    pipeOutput(name, child, options);
    const startup = watchStartup(child);
    const exited = new Promise<number | string>((resolveExit) => {
      child.on('exit', (code, signal) => {
        resolveExit(code ?? signal ?? 'unknown');
      });
    });
    const service: RunningService = { name, url: `http://${host}:${ports[name]}`, process: child, exited };
    return { service, port: ports[name], startup };
  });
  const services = launched.map((l) => l.service);

  const platform: Platform = {
    services,
    url: (name) => services.find((s) => s.name === name)?.url ?? '',
    stop: (graceMs = 10_000) => stopAll(services, graceMs),
  };
  try {
    // Generous: on a busy 2-core CI runner three cold Node processes can take well over 10 s to answer.
    await Promise.all(launched.map((l) => waitUntilReady(l, options.readyTimeoutMs ?? 60_000, options.signal)));
  } catch (error) {
    await platform.stop(2000);
    throw error;
  } finally {
    for (const l of launched) l.startup.stop();
  }
  return platform;
}

/**
 * `startPlatform` on ports that were free a moment before. Another process
 * can take one in between (an outgoing connection's local port, on a busy
 * machine); the service then cannot listen, and the platform is started
 * again on other ports, up to `attempts` times in all.
 */
export async function startPlatformOnFreePorts(
  options: Omit<PlatformOptions, 'ports'>,
  attempts = 3,
  pickPort: () => Promise<number> = freePort,
): Promise<Platform> {
  for (let attempt = 1; ; attempt += 1) {
    const ports = { auth: await pickPort(), directory: await pickPort(), messaging: await pickPort() };
    try {
      return await startPlatform({ ...options, ports });
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= attempts) throw error;
    }
  }
}

interface StartupWatch {
  /** The service said its address was in use (Node's EADDRINUSE) before it was ready. */
  readonly addressInUse: boolean;
  /** Resolves once its output pipes have closed (after its exit), so everything it printed has been seen. */
  readonly closed: Promise<void>;
  stop(): void;
}

/** Watches a service's output until it is ready, for the one start-up failure worth telling apart. */
function watchStartup(child: ChildProcess): StartupWatch {
  const onData = (chunk: Buffer): void => {
    if (chunk.includes('EADDRINUSE')) watch.addressInUse = true;
  };
  const watch = {
    addressInUse: false,
    closed: new Promise<void>((resolveClosed) => child.once('close', () => { resolveClosed(); })),
    stop: (): void => {
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
    },
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return watch;
}

function pipeOutput(name: ServiceName, child: ChildProcess, options: PlatformOptions): void {
  if (options.logDir !== undefined) {
    const file = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
    return;
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (line) => options.onLine?.(name, line));
  }
}

async function waitUntilReady(
  { service, port, startup }: { readonly service: RunningService; readonly port: number; readonly startup: StartupWatch },
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly: number | string | undefined;
  void service.exited.then((code) => (exitedEarly = code));
  while (Date.now() < deadline) {
    if (exitedEarly !== undefined) {
      // Its last output may still be on the way: the pipes close after the exit.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([startup.closed, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      if (startup.addressInUse) throw new PortInUseError(service.name, port);
      throw new Error(`${service.name} exited during start-up (${exitedEarly}); see its log`);
    }
    if (signal?.aborted === true) throw new Error('start-up was interrupted');
    try {
      const response = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${service.name} was not ready at ${service.url}/readyz within ${timeoutMs} ms`);
}

async function stopAll(services: readonly RunningService[], graceMs: number): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      if (service.process.exitCode !== null || service.process.signalCode !== null) return;
      service.process.kill('SIGTERM');
      const timer = setTimeout(() => service.process.kill('SIGKILL'), graceMs);
      await service.exited;
      clearTimeout(timer);
    }),
  );
}
