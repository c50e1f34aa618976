import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LoadTarget, LoadTargetFactory, ServiceUrls } from '../../lib/load/load-target.contract.js';
import { runOpenLoop } from '../../lib/load/open-loop.generator.js';
import type { SecondProgress } from '../../lib/load/open-loop.generator.js';
import { messagingSendTarget } from '../../lib/load/messaging-send.target.js';
import type { SampleSource } from '../../lib/load/process.sampler.js';
import { writeArtifacts } from '../../lib/load/report/artifacts.writer.js';
import type { ArtifactFiles } from '../../lib/load/report/artifacts.writer.js';
import { ResourceMonitor } from '../../lib/load/resource.monitor.js';
import type { Crash, MonitoredProcess } from '../../lib/load/resource.monitor.js';
import { DiskSyncProbe } from '../../lib/load/disk-sync.probe.js';
import { assembleScenario } from '../../lib/load/scenario.assembler.js';
import { planScenarios } from '../../lib/load/scenario.catalog.js';
import type { ScenarioPlan } from '../../lib/load/scenario.catalog.js';
import { loadSloFile } from '../../lib/load/slo.loader.js';
import type { SloFile } from '../../lib/load/slo.schema.js';
import { DEFAULT_PORTS, startPlatformOnFreePorts } from '../../lib/platform.js';
import type { Platform, PlatformOptions, SERVICE_NAMES } from '../../lib/platform.js';
import { repoRoot } from '../../lib/repo-root.js';
import { SMOKE_RESULT_SCHEMA_VERSION } from '../../lib/smoke-result.js';
import type { ScenarioResult, SmokeResult } from '../../lib/smoke-result.js';

export interface SmokeOptions {
  /** Where results.json, summary.md, report.html, histograms/ and logs/ go. */
  outDir: string;
  /** Default: slo/nightly.json of this checkout. */
  sloFile?: string;
  scenarios?: readonly string[];
  targetRps?: number;
  soakDurationMin?: number;
  durationS?: number;
  /** Point at running services instead of starting them; unset ones default to 127.0.0.1 and the default port. */
  urls?: Partial<ServiceUrls>;
  /** Processes to monitor when the services run elsewhere (`--pid messaging=1234`). */
  pids?: Readonly<Record<string, number>>;
  /** A request unanswered this long after its intended send time is a timeout (default 10 s). */
  timeoutMs?: number;
  /** Cap on the client's connection pool (default 1024). */
  maxConnections?: number;
  /** Seconds each scenario ramps up to its rate before it is measured (default 5). */
  warmupS?: number;
  /**
   * Time a small write and sync in the services' data folder every this many
   * ms, to report the disk's stalls beside the latency (default 100; 0 turns
   * it off). Only when the run starts the services: their disk is known then.
   */
  diskProbeMs?: number;
  /** What each request does; default: the Messaging send path (`messagingSendTarget()`); `readyzProbeTarget` for the probe. */
  target?: LoadTargetFactory;
  rootDir?: string;
  baseEnv?: Record<string, string | undefined>;
  /** The commit under test; default: `git rev-parse HEAD` of rootDir. */
  commit?: string;
  monitorSource?: SampleSource;
  onProgress?: (progress: SecondProgress) => void;
  onMessage?: (line: string) => void;
  /** Ends the run early (the CLI: Ctrl-C or SIGTERM, the signal's name as reason); the failed result is still written. */
  signal?: AbortSignal;
}

export interface SmokeRun {
  readonly result: SmokeResult;
  readonly outDir: string;
  readonly files: ArtifactFiles & { logs: string[] };
  /** 0 only when every objective passed, the run was valid and nothing crashed. */
  readonly exitCode: 0 | 1;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Limits raised for the services `sanctum smoke` starts: a handful of devices
 * on one address stand for many clients, so the per-address, per-device and
 * per-queue protections would otherwise answer 429 to the load itself
 * (1000 req/s from four sender devices is 250 sends per device per second).
 * Running services (`--*-url`) must be configured the same way; see docs/smoke.md.
 */
export const SMOKE_SERVICE_ENV: Pick<PlatformOptions, 'env' | 'serviceEnv'> = {
  env: { RATE_LIMIT_MAX: '100000000' },
  serviceEnv: {
    messaging: { SEND_RATE_MAX: '100000000', QUEUE_MAX_DEPTH: '1000000' },
  },
};
const DEFAULT_MAX_CONNECTIONS = 1024;
/**
 * A scenario's first second on a fresh schedule was its slowest by far on the
 * 2-vCPU VMs: p95 45–1,700 ms against 7–35 ms for the rest, with either
 * request path of the generator (docs/smoke.md, ninth VM). Five unmeasured
 * seconds on the same connections, the rate rising from zero to the
 * scenario's, begin the measurement in steady state (see `runOpenLoop`).
 */
const DEFAULT_WARMUP_S = 5;
/** Ten probe syncs a second catch nearly every stall of 100 ms or more (see DiskSyncProbe). */
const DEFAULT_DISK_PROBE_MS = 100;

/**
 * `sanctum smoke`: starts the services (or uses running ones), runs each
 * scenario open-loop while monitoring the service processes, judges the
 * results by the SLO file and writes the artifacts. Bad parameters or an
 * invalid SLO file throw before anything starts; anything that goes wrong
 * after that is recorded in a failed result, never lost.
 */
export async function smokeCommand(options: SmokeOptions): Promise<SmokeRun> {
  const rootDir = options.rootDir ?? repoRoot();
  const sloFile = resolve(options.sloFile ?? join(rootDir, 'slo', 'nightly.json'));
  const slo = await loadSloFile(sloFile);
  const plans = planScenarios({
    ...(options.scenarios === undefined ? {} : { names: options.scenarios }),
    ...(options.targetRps === undefined ? {} : { targetRps: options.targetRps }),
    ...(options.soakDurationMin === undefined ? {} : { soakDurationMin: options.soakDurationMin }),
    ...(options.durationS === undefined ? {} : { durationS: options.durationS }),
  });
  const missing = plans.filter((p) => slo.scenarios[p.name] === undefined).map((p) => p.name);
  if (missing.length > 0) throw new Error(`${sloFile} sets no objectives for ${missing.join(', ')}`);

  const outDir = resolve(options.outDir);
  const logDir = join(outDir, 'logs');
  await rm(logDir, { recursive: true, force: true });
  await rm(join(outDir, 'histograms'), { recursive: true, force: true });
  const say = options.onMessage ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const commit = options.commit ?? (await gitCommit(rootDir));
  const state: RunState = { scenarios: [], intervalLogs: new Map(), crashes: [], notRun: [] };

  let platform: Platform | undefined;
  let dataDir: string | undefined;
  let monitor: ResourceMonitor | undefined;
  let diskProbe: DiskSyncProbe | undefined;
  let target: LoadTarget | undefined;
  const interrupted = interruption(options.signal, () => {
    // Our own shutdown from here on: a service that exits now (a terminal's Ctrl-C reaches it too) did not crash.
    void monitor?.stop();
  });
  try {
    let urls: ServiceUrls;
    let processes: MonitoredProcess[];
    if (options.urls === undefined) {
      dataDir = await mkdtemp(join(tmpdir(), 'sanctum-smoke-'));
      say('Starting Auth, Directory and Messaging from this checkout…');
      platform = await startPlatformOnFreePorts({
        rootDir,
        dataDir,
        logDir,
        ...SMOKE_SERVICE_ENV,
        ...(options.baseEnv === undefined ? {} : { baseEnv: embeddedDefault(options.baseEnv), nodeArgs: serviceNodeArgs(options.baseEnv) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      const running = platform;
      urls = { auth: running.url('auth'), directory: running.url('directory'), messaging: running.url('messaging') };
      processes = running.services.map((s) => ({ name: s.name, pid: s.process.pid ?? -1, exited: s.exited }));
      say(`Up: ${running.services.map((s) => `${s.name} ${s.url} (pid ${String(s.process.pid)})`).join(', ')}`);
      const diskProbeMs = options.diskProbeMs ?? DEFAULT_DISK_PROBE_MS;
      if (diskProbeMs > 0) {
        diskProbe = await DiskSyncProbe.start(dataDir, { intervalMs: diskProbeMs });
        if (diskProbe.problem !== undefined) say(`The disk probe could not run: ${diskProbe.problem}`);
      }
    } else {
      urls = { ...defaultUrls(), ...options.urls };
      processes = Object.entries(options.pids ?? {}).map(([name, pid]) => ({ name, pid }));
    }
    monitor = new ResourceMonitor(processes, {
      ...(options.monitorSource === undefined ? {} : { source: options.monitorSource }),
      onCrash: (crash) => {
        say(`${crash.service} crashed: ${crash.exit}`);
      },
    });
    await monitor.start();
    say('Setting up the test accounts and devices…');
    // Raced, not awaited to the end: an interrupted set-up or scenario is abandoned, not judged
    // (a few seconds of a scenario say nothing about objectives set for the whole of it).
    target = await Promise.race([(options.target ?? messagingSendTarget())(urls), interrupted]);
    say(`Target: ${target.name} — ${target.description}${target.interim ? ' (a probe: not the Messaging send path)' : ''}`);
    await Promise.race([runScenarios(plans, { target, slo, monitor, diskProbe, options, state, say }), interrupted]);
  } catch (error) {
    state.error = error instanceof Error ? error.message : String(error);
    say(`The run could not complete: ${state.error}`);
  } finally {
    await target?.dispose?.().catch(() => undefined);
    await monitor?.stop();
    await diskProbe?.stop();
    state.crashes.push(...(monitor?.crashes() ?? []));
    await platform?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  }
  for (const plan of plans.slice(state.scenarios.length))
    if (!state.notRun.some((n) => n.scenario === plan.name))
      state.notRun.push({ scenario: plan.name, reason: state.error ?? 'the run stopped early' });

  const result = smokeResult({ state, commit, startedAt, sloFile: relativeOrAbsolute(rootDir, sloFile), slo, logs: await logFiles(outDir, logDir) });
  const files = await writeArtifacts(outDir, result, state.intervalLogs);
  return { result, outDir, files: { ...files, logs: (result.logs ?? []).map((l) => join(outDir, l)) }, exitCode: result.passed ? 0 : 1 };
}

interface RunState {
  scenarios: ScenarioResult[];
  intervalLogs: Map<string, string>;
  crashes: Crash[];
  notRun: { scenario: string; reason: string }[];
  error?: string;
}

async function runScenarios(
  plans: readonly ScenarioPlan[],
  context: {
    target: LoadTarget;
    slo: SloFile;
    monitor: ResourceMonitor;
    diskProbe: DiskSyncProbe | undefined;
    options: SmokeOptions;
    state: RunState;
    say: (line: string) => void;
  },
): Promise<void> {
  const { target, slo, monitor, diskProbe, options, state, say } = context;
  // Interrupted, the run has ended without this abandoned loop, which must not add to its result.
  const interrupted = (): boolean => options.signal?.aborted === true;
  for (const plan of plans) {
    if (interrupted()) return;
    const crashed = monitor.crashes()[0];
    if (crashed !== undefined) {
      state.notRun.push({ scenario: plan.name, reason: `${crashed.service} crashed earlier in the run` });
      continue;
    }
    const warmupS = options.warmupS ?? DEFAULT_WARMUP_S;
    say(
      `[${plan.name}] ${plan.targetRps} req/s for ${plan.durationS} s${warmupS > 0 ? ` after ${warmupS} s unmeasured ramp-up` : ''}` +
        (target.interim ? '' : `, ${plan.payloadBytes} B per ciphertext`),
    );
    const run = await runOpenLoop({
      scenario: plan.name,
      target,
      targetRps: plan.targetRps,
      durationS: plan.durationS,
      warmupS,
      payloadBytes: plan.payloadBytes,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      limits: slo.generator,
      ...(options.onProgress === undefined ? {} : { onSecond: options.onProgress }),
    });
    if (interrupted()) return;
    const disk = diskProbe === undefined ? undefined : { samples: diskProbe.between(run.startedAtMs, run.finishedAtMs), intervalMs: diskProbe.intervalMs };
    const scenario = assembleScenario(plan, run, monitor.between(run.startedAtMs - 1000, run.finishedAtMs + 1000), slo, disk);
    state.scenarios.push(scenario);
    state.intervalLogs.set(plan.name, run.intervalLog);
    const failed = scenario.objectives.filter((o) => !o.passed).map((o) => o.objective);
    say(
      `[${plan.name}] ${scenario.passed ? 'pass' : 'FAIL'}: p95 ${scenario.latencyMs.p95} ms, errors ${(scenario.errorRate * 100).toFixed(2)}%` +
        (scenario.deliveryLatencyMs === undefined ? '' : `, delivery p95 ${scenario.deliveryLatencyMs.p95} ms`) +
        (failed.length > 0 ? `; failed: ${failed.join(', ')}` : '') +
        (scenario.valid ? '' : `; INVALID: ${scenario.invalidReasons.join('; ')}`),
    );
  }
}

function smokeResult(input: {
  state: RunState;
  commit: string | undefined;
  startedAt: string;
  sloFile: string;
  slo: SloFile;
  logs: string[];
}): SmokeResult {
  const { state } = input;
  const valid = state.scenarios.every((s) => s.valid);
  const passed =
    state.error === undefined &&
    valid &&
    state.crashes.length === 0 &&
    state.notRun.length === 0 &&
    state.scenarios.length > 0 &&
    state.scenarios.every((s) => s.passed);
  return {
    schemaVersion: SMOKE_RESULT_SCHEMA_VERSION,
    ...(input.commit === undefined ? {} : { commit: input.commit }),
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    slo: { file: input.sloFile, version: input.slo.version },
    scenarios: state.scenarios,
    crashes: state.crashes.map((c) => ({ service: c.service, exit: c.exit })),
    valid,
    passed,
    notRun: state.notRun,
    ...(state.error === undefined ? {} : { error: state.error }),
    logs: input.logs,
  };
}

/** Rejects (after calling `onAbort`) when the run is interrupted; never settles otherwise. */
function interruption(signal: AbortSignal | undefined, onAbort: () => void): Promise<never> {
  const interrupted = new Promise<never>((_resolve, reject) => {
    if (signal === undefined) return;
    const abort = (): void => {
      onAbort();
      reject(new Error(typeof signal.reason === 'string' ? `interrupted by ${signal.reason}` : 'interrupted'));
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
  // Once the run is over nothing races it: an interruption then must not become an unhandled rejection.
  interrupted.catch(() => undefined);
  return interrupted;
}

/** The parent's environment without what would take the services off the embedded default (one SQLite file each, no Redis). */
function embeddedDefault(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...rest } = env;
  return rest;
}

/** `SANCTUM_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`: flags for each service's `node`, to profile it under the run's load. */
function serviceNodeArgs(env: Record<string, string | undefined>): string[] {
  return (env.SANCTUM_SERVICE_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
}

function defaultUrls(): ServiceUrls {
  const url = (name: (typeof SERVICE_NAMES)[number]): string => `http://127.0.0.1:${DEFAULT_PORTS[name]}`;
  return { auth: url('auth'), directory: url('directory'), messaging: url('messaging') };
}

async function gitCommit(rootDir: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: rootDir });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

async function logFiles(outDir: string, logDir: string): Promise<string[]> {
  const names = await readdir(logDir).catch(() => [] as string[]);
  return names.sort().map((name) => relative(outDir, join(logDir, name)));
}

function relativeOrAbsolute(rootDir: string, file: string): string {
  const inside = relative(resolve(rootDir), file);
  return inside.startsWith('..') ? file : inside;
}
