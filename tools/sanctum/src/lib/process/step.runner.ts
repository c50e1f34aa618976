import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StepSpec {
  /** `install`, `build`, `smoke`: names the log file and the report row. */
  readonly name: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
  /** Everything the step prints goes here. */
  readonly logFile: string;
  /** Killed (and failed) after this long; 0 or undefined waits for ever. */
  readonly timeoutMs?: number;
  /** After a timeout or an abort, how long SIGTERM has before SIGKILL (default 10 s). */
  readonly killGraceMs?: number;
  /** Ends the step early, as a timeout does (the pipeline was interrupted). */
  readonly signal?: AbortSignal;
}

export interface StepOutcome {
  readonly name: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly logFile: string;
  readonly ok: boolean;
}

/**
 * Runs one step of a pipeline as a child process (no shell) with its output
 * in a log file that is kept as an artifact whatever happens.
 */
export async function runStep(spec: StepSpec): Promise<StepOutcome> {
  const [program, ...args] = spec.argv;
  if (program === undefined) throw new Error(`step ${spec.name} has no command`);
  const command = spec.argv.join(' ');
  await mkdir(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const began = performance.now();
  log.write(`$ ${command}\n`);
  const outcome = await new Promise<Omit<StepOutcome, 'durationMs' | 'logFile' | 'name' | 'command'>>((resolve) => {
    // Its own process group, so a timeout ends the step's children too.
    const child = spawn(program, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    // The whole group, so nothing the step started outlives it; SIGTERM first lets a smoke step stop its services and write its results.
    const terminate = (): void => {
      killGroup(child.pid, 'SIGTERM');
      timers.push(
        setTimeout(() => {
          killGroup(child.pid, 'SIGKILL');
        }, spec.killGraceMs ?? 10_000),
      );
    };
    if (spec.timeoutMs !== undefined && spec.timeoutMs > 0) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          terminate();
        }, spec.timeoutMs),
      );
    }
    if (spec.signal?.aborted === true) terminate();
    else spec.signal?.addEventListener('abort', terminate, { once: true });
    const settle = (outcome: Omit<StepOutcome, 'durationMs' | 'logFile' | 'name' | 'command'>): void => {
      for (const timer of timers) clearTimeout(timer);
      spec.signal?.removeEventListener('abort', terminate);
      resolve(outcome);
    };
    child.on('error', (error) => {
      log.write(`could not start ${program}: ${error.message}\n`);
      settle({ exitCode: null, signal: null, timedOut, ok: false });
    });
    child.on('close', (exitCode, signal) => {
      settle({ exitCode, signal, timedOut, ok: exitCode === 0 && !timedOut });
    });
  });
  const durationMs = Math.round(performance.now() - began);
  log.write(`\n# ${spec.name}: ${describeStepOutcome(outcome)} in ${durationMs} ms\n`);
  await new Promise<void>((resolve) => {
    log.end(resolve);
  });
  return { name: spec.name, command, durationMs, logFile: spec.logFile, ...outcome };
}

/** How a step ended, in a few words: `ok`, `timed out`, `exit 3`, `killed by SIGKILL` or `could not start`. */
export function describeStepOutcome(outcome: Pick<StepOutcome, 'ok' | 'timedOut' | 'exitCode' | 'signal'>): string {
  if (outcome.ok) return 'ok';
  if (outcome.timedOut) return 'timed out';
  if (outcome.exitCode !== null) return `exit ${outcome.exitCode}`;
  return outcome.signal === null ? 'could not start' : `killed by ${outcome.signal}`;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  // Never kill(-0): that would be this process's own group.
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
