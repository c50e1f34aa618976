import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Cumulative CPU time and resident memory of one process at one moment. */
export interface ProcessSample {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** When the process started (clock ticks since boot, or ps's lstart); a change means the pid now names another process. */
  readonly startedAt: string;
}

/** `proc` reads /proc/<pid>/stat and /status (Linux); `ps` runs `ps -o rss=,time=,lstart=` (macOS and other Unixes). */
export type SampleSource = 'proc' | 'ps';

export interface ProcessSampler {
  readonly source: SampleSource;
  /** null when the process no longer exists. */
  sample(pid: number): Promise<ProcessSample | null>;
}

/** The /proc sampler where /proc exists, otherwise `ps`. */
export async function createSampler(preferred?: SampleSource): Promise<ProcessSampler> {
  const source = preferred ?? ((await readFile('/proc/self/stat', 'utf8').then(() => true, () => false)) ? 'proc' : 'ps');
  if (source === 'ps') return { source, sample: samplePs };
  const ticks = await clockTicks();
  return { source, sample: (pid) => sampleProc(pid, ticks) };
}

async function clockTicks(): Promise<number> {
  try {
    const { stdout } = await run('getconf', ['CLK_TCK']);
    const value = Number(stdout.trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    // USER_HZ is 100 on every mainstream Linux architecture.
    return 100;
  }
}

async function sampleProc(pid: number, ticksPerSecond: number): Promise<ProcessSample | null> {
  let stat: string;
  let status: string;
  try {
    [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  } catch {
    return null;
  }
  return parseProc(stat, status, ticksPerSecond);
}

/**
 * /proc/<pid>/stat: the command name (field 2) is in parentheses and may hold
 * spaces, so fields are counted from the last ')'. utime and stime are fields
 * 14 and 15, starttime 22 (man 5 proc). A zombie has no VmRSS: it is gone.
 */
export function parseProc(stat: string, status: string, ticksPerSecond: number): ProcessSample | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  const state = fields[0];
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const startTicks = fields[19];
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (state === 'Z' || state === 'X' || rss === null || startTicks === undefined || !Number.isFinite(utime + stime)) return null;
  return { cpuSeconds: (utime + stime) / ticksPerSecond, rssBytes: Number(rss[1]) * 1024, startedAt: startTicks };
}

async function samplePs(pid: number): Promise<ProcessSample | null> {
  try {
    const { stdout } = await run('ps', ['-o', 'rss=,time=,lstart=', '-p', String(pid)]);
    return parsePs(stdout);
  } catch {
    // ps exits 1 when no such process.
    return null;
  }
}

/** `  4116 00:01:02 Mon Nov 30 08:50:00 2025` (Linux) or `4116 0:01.02 Mon Nov 30 …` (BSD/macOS). */
export function parsePs(line: string): ProcessSample | null {
  const [, rss, time, started] = /^\s*(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line) ?? [];
  if (rss === undefined || time === undefined || started === undefined) return null;
  const cpuSeconds = parseCpuTime(time);
  if (cpuSeconds === null) return null;
  return { rssBytes: Number(rss) * 1024, cpuSeconds, startedAt: started };
}

/** `[[dd-]hh:]mm:ss[.cc]` to seconds. */
export function parseCpuTime(text: string): number | null {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null) return null;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(days) * 86_400 + Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}
