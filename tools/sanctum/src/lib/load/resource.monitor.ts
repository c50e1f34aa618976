import type { ProcessReading } from './resource.summary.js';
import { createSampler } from './process.sampler.js';
import type { ProcessSampler, SampleSource } from './process.sampler.js';

/** A process to watch: a service `sanctum smoke` started (with its exit promise) or one given by pid. */
export interface MonitoredProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code or signal when the process ends (child processes only). */
  readonly exited?: Promise<number | string>;
}

export interface Crash {
  readonly service: string;
  readonly exit: string;
  /** Wall-clock ms when it was noticed. */
  readonly atMs: number;
}

export interface ResourceMonitorOptions {
  intervalMs?: number;
  source?: SampleSource;
  /** Another way to read a process (tests of the restart detection). */
  sampler?: ProcessSampler;
  onCrash?: (crash: Crash) => void;
}

/**
 * Samples each service process's CPU and RSS every second, and notices a
 * service that exits (or whose pid starts naming another process, i.e. it was
 * restarted) while the run is going on. Every crash fails the run.
 */
export class ResourceMonitor {
  private readonly readings = new Map<string, ProcessReading[]>();
  private readonly started = new Map<string, string>();
  private readonly crashList: Crash[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sampler: ProcessSampler | undefined;
  private watching = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly processes: readonly MonitoredProcess[],
    private readonly options: ResourceMonitorOptions = {},
  ) {}

  get source(): SampleSource | undefined {
    return this.sampler?.source;
  }

  async start(): Promise<void> {
    this.sampler = this.options.sampler ?? (await createSampler(this.options.source));
    this.watching = true;
    for (const process of this.processes) {
      this.readings.set(process.name, []);
      void process.exited?.then((exit) => {
        this.crash(process.name, `exited (${exit})`);
      });
    }
    await this.sampleAll();
    this.timer = setInterval(() => {
      this.pending = this.sampleAll();
    }, this.options.intervalMs ?? 1000);
  }

  /** Stops sampling; exits after this (our own shutdown) are not crashes. */
  async stop(): Promise<void> {
    this.watching = false;
    clearInterval(this.timer);
    await this.pending;
  }

  crashes(): readonly Crash[] {
    return this.crashList;
  }

  /** Readings of each service between two wall-clock times (inclusive). */
  between(fromMs: number, toMs: number): Map<string, ProcessReading[]> {
    const window = new Map<string, ProcessReading[]>();
    for (const [name, readings] of this.readings) window.set(name, readings.filter((r) => r.atMs >= fromMs && r.atMs <= toMs));
    return window;
  }

  private async sampleAll(): Promise<void> {
    const sampler = this.sampler;
    if (sampler === undefined) return;
    await Promise.all(
      this.processes.map(async (process) => {
        const sample = await sampler.sample(process.pid);
        if (!this.watching) return;
        if (sample === null) {
          this.crash(process.name, 'the process is gone');
          return;
        }
        const first = this.started.get(process.name);
        if (first === undefined) this.started.set(process.name, sample.startedAt);
        else if (first !== sample.startedAt) this.crash(process.name, `restarted (pid ${process.pid} now names a process started at ${sample.startedAt})`);
        this.readings.get(process.name)?.push({ atMs: Date.now(), cpuSeconds: sample.cpuSeconds, rssBytes: sample.rssBytes });
      }),
    );
  }

  private crash(service: string, exit: string): void {
    if (!this.watching || this.crashList.some((c) => c.service === service)) return;
    const crash = { service, exit, atMs: Date.now() };
    this.crashList.push(crash);
    this.options.onCrash?.(crash);
  }
}
