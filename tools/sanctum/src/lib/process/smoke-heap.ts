import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { STOP_SIGNALS } from './stop-signal.js';
import type { StopSignal } from './stop-signal.js';

/**
 * The V8 flags `sanctum smoke` runs with: a young generation of up to 64 MiB
 * per semi-space instead of Node 20's 16 MiB, and an old generation allowed
 * to grow to three times what survived its last full collection.
 *
 * Why: the generator's latency clock is its own event loop, so its pauses
 * are added to every answer that arrives during them. At 500 sends/s of
 * 1 KiB its young generation filled every 0.8 s and a quarter of it survived
 * (undici's per-response state and the requests in flight), so each
 * scavenge copied ~2.5 MiB and paused the loop 12 ms (p50; 24 ms at worst).
 * With room for 4 s of garbage, most of that has died by the next scavenge:
 * one every 4 s, 6–13 ms, 0.6 MiB promoted, and the scenario's p95 fell by
 * about 2 ms (docs/benchmarks.md, "The generator's young generation").
 * V8 sizes the young generation when the process starts
 * (`v8.setFlagsFromString` later changes nothing), hence a relaunch.
 *
 * The old generation's room: after load-64k, V8 sized it at about 1.2 times
 * the 36 MB that survived, so the soak that followed ran a full collection
 * every 5–7 s (51 in 4 minutes, 134 in the full suite's 15), each a
 * 10–30 ms pause on top of concurrent marking on the two shared cores. With
 * `--heap-growing-percent=200` the same sequence ran 3 in 4 minutes, its GC
 * pauses fell from 1.27 s to 0.85 s and its dispatch lag p99 from 5.6 to
 * 4.3 ms (docs/benchmarks.md, "The generator's old generation").
 */
export const SMOKE_NODE_FLAGS = ['--max-semi-space-size=64', '--heap-growing-percent=200'] as const;

/**
 * The node arguments to run this CLI again with for `smoke`, or undefined:
 * for another command, or when this process already sets the young
 * generation's size (the relaunched process, or a user's own choice on the
 * command line or in NODE_OPTIONS, which wins).
 *
 * @example
 * smokeRelaunchArgs(['/usr/bin/node', 'bin.js', 'smoke'], [], undefined)
 * // → ['--max-semi-space-size=64', '--heap-growing-percent=200', 'bin.js', 'smoke']
 */
export function smokeRelaunchArgs(argv: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): string[] | undefined {
  if (argv[2] !== 'smoke') return undefined;
  return smokeHeapRelaunchArgs(argv, execArgv, nodeOptions);
}

/**
 * The same for any script that runs the generator (the benchmarks, so that
 * they measure it as `sanctum smoke` runs it): the arguments to run this
 * script again with the smoke flags, or undefined when the young
 * generation's size is already set.
 *
 * @example
 * const relaunch = smokeHeapRelaunchArgs(process.argv, process.execArgv, process.env.NODE_OPTIONS);
 * if (relaunch !== undefined) process.exit(await runRelaunched(relaunch));
 */
export function smokeHeapRelaunchArgs(argv: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): string[] | undefined {
  const nodeFlags = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (nodeFlags.some((flag) => /^--max[-_]semi[-_]space[-_]size/.test(flag))) return undefined;
  return [...execArgv, ...SMOKE_NODE_FLAGS, ...argv.slice(1)];
}

/**
 * Runs `node <args>` with this process's streams and environment and
 * resolves with its exit code. A stop signal this process receives is passed
 * on (a terminal's Ctrl-C reaches both already; the command ignores the
 * second one), and the child's own handling decides the exit code; a child
 * ended by a signal gives 128 + its number, as a shell reports it.
 */
export function runRelaunched(args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    const forward = (signal: StopSignal): void => {
      child.kill(signal);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, forward);
    const done = (code: number): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, forward);
      resolve(code);
    };
    child.once('error', (error) => {
      process.stderr.write(`sanctum: could not start ${process.execPath}: ${error.message}\n`);
      done(1);
    });
    child.once('exit', (code, signal) => {
      done(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}
