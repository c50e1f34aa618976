import { constants } from 'node:os';

/** What asks a command to stop: Ctrl-C (SIGINT), or `kill` and a cancelled CI job (SIGTERM). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Calls `stop` on the first SIGINT or SIGTERM. Listening replaces Node's
 * default, which ends the process at once and leaves its child processes (the
 * services, a pipeline step) running with no one to stop them. Later signals
 * are ignored, so an impatient second Ctrl-C cannot cut the clean stop short;
 * it is bounded anyway (children get SIGKILL after their grace period).
 * Returns a function that stops listening, for a command that finished on its
 * own.
 */
export function onStopSignal(stop: (signal: StopSignal) => void): () => void {
  let received = false;
  const listener = (signal: StopSignal): void => {
    if (received) return;
    received = true;
    stop(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, listener);
  };
}

/**
 * The exit code of a command stopped by `signal`: 128 + its number (130 for
 * SIGINT, 143 for SIGTERM), what a shell reports for a process the signal
 * ended, so a script or CI step never takes a cancelled run for a finished one.
 */
export function stopSignalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}
