#!/usr/bin/env node
import { registerSmoke } from './commands/smoke/smoke.cli.js';
import { registerStart } from './commands/start/start.cli.js';
import { registerNightly } from './commands/nightly/nightly.cli.js';
import { registerPromote } from './commands/promote/promote.cli.js';
import { registerRollback } from './commands/rollback/rollback.cli.js';
import { registerHotfix } from './commands/hotfix/hotfix.cli.js';
import { registerReleaseNotes } from './commands/release-notes/release-notes.cli.js';
import { registerMetrics } from './commands/metrics/metrics.cli.js';
import { registerProtect } from './commands/protect/protect.cli.js';
import { registerRecord } from './commands/record/record.cli.js';
import { registerChat } from './commands/chat/chat.cli.js';
import type { CliContext } from './lib/cli-context.js';
import { createProgram, runCli } from './lib/cli-program.js';
import { onStopSignal } from './lib/process/stop-signal.js';
import { runRelaunched, smokeRelaunchArgs } from './lib/process/smoke-heap.js';

// The entry point: the only place that reads process.env, the working
// directory, the process streams and signals, and that ends the process with
// the exit code runCli derives from the error (lib/exit-code.ts). Each
// command's wiring lives in commands/<name>/<name>.cli.ts (one `register…`
// line below per command).

// `smoke` measures latency on its own event loop, so it runs with a larger
// young generation, which only a node flag can set: in a relaunched process.
const relaunch = smokeRelaunchArgs(process.argv, process.execArgv, process.env.NODE_OPTIONS);
if (relaunch !== undefined) process.exit(await runRelaunched(relaunch));

const context: CliContext = {
  env: process.env,
  cwd: process.cwd(),
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
  stdin: process.stdin,
  interactive: process.stdout.isTTY && process.env.CI === undefined,
  onStopSignal,
};

const program = createProgram(context);

registerStart(program, context);
registerSmoke(program, context);
registerNightly(program, context);
registerPromote(program, context);
registerRollback(program, context);
registerHotfix(program, context);
registerReleaseNotes(program, context);
registerMetrics(program, context);
registerProtect(program, context);
registerRecord(program, context);
registerChat(program, context);

const code = await runCli(program, process.argv, context);
// A command that succeeded ends on its own (`start` keeps running until stopped).
if (code !== 0) process.exit(code);
