import type { SecondProgress } from './open-loop.generator.js';

/** Moves the cursor up one line and clears it: the next line replaces the previous progress line. */
const REPLACE_LINE = '\u001b[1A\u001b[2K';

/**
 * Prints the run's progress: on a terminal one live line per scenario,
 * rewritten every second; in CI (not interactive) one plain line per
 * `plainEveryS` seconds, which reads well in a log.
 */
export class ProgressReporter {
  private liveLineShown = false;

  constructor(
    private readonly print: (line: string) => void,
    private readonly interactive: boolean,
    private readonly plainEveryS = 10,
  ) {}

  second(progress: SecondProgress): void {
    const line = progressLine(progress);
    if (this.interactive) {
      this.print(`${this.liveLineShown ? REPLACE_LINE : ''}${line}`);
      this.liveLineShown = true;
    } else if (progress.elapsedS % this.plainEveryS === 0 || progress.elapsedS === 1) {
      this.print(line);
    }
  }

  /** A line that must stay (scenario start and end, crashes): the live line is not overwritten by what follows. */
  message(line: string): void {
    this.liveLineShown = false;
    this.print(line);
  }
}

export function progressLine(p: SecondProgress): string {
  const elapsed = Math.min(p.elapsedS, Math.ceil(p.durationS));
  const draining = p.elapsedS > p.durationS ? ' (draining)' : '';
  const errorRate = p.sent === 0 ? 0 : (p.errors / p.sent) * 100;
  return (
    `[${p.scenario}] ${elapsed}/${Math.ceil(p.durationS)} s${draining}  ` +
    `rate ${p.rate}/s  sent ${p.sent}  errors ${p.errors} (${errorRate.toFixed(2)}%)  ` +
    `p95 ${p.p95Ms.toFixed(1)} ms  lag ${p.dispatchLagMaxMs.toFixed(1)} ms`
  );
}
