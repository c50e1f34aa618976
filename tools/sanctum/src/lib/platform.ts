import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

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

  const services: RunningService[] = SERVICE_NAMES.map((name) => {
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
    const exited = new Promise<number | string>((resolveExit) => {
      child.on('exit', (code, signal) => {
        resolveExit(code ?? signal ?? 'unknown');
      });
    });
    return { name, url: `http://${host}:${ports[name]}`, process: child, exited };
  });

  const platform: Platform = {
    services,
    url: (name) => services.find((s) => s.name === name)?.url ?? '',
    stop: (graceMs = 10_000) => stopAll(services, graceMs),
  };
  try {
    // Generous: on a busy 2-core CI runner three cold Node processes can take well over 10 s to answer.
    await Promise.all(services.map((s) => waitUntilReady(s, options.readyTimeoutMs ?? 60_000, options.signal)));
  } catch (error) {
    await platform.stop(2000);
    throw error;
  }
  return platform;
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

async function waitUntilReady(service: RunningService, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly: number | string | undefined;
  void service.exited.then((code) => (exitedEarly = code));
  while (Date.now() < deadline) {
    if (exitedEarly !== undefined) throw new Error(`${service.name} exited during start-up (${exitedEarly}); see its log`);
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
