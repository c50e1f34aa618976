/**
 * The source of a step that behaves like `sanctum smoke` and its services:
 * it starts a long-lived child, writes the child's pid to `pidFile`, and on
 * SIGTERM waits for that child to end before exiting 143.
 *
 * The SIGTERM handler is installed before the pid file is written, because
 * the pid file is what tells a test to interrupt: on a loaded machine the
 * signal can otherwise arrive first and end the step by the signal itself
 * (exit code null instead of 143). It also copes with a child that ended
 * before the handler ran.
 */
export function serviceStartingStepScript(pidFile: string): string {
  return `const service = require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
const ended = new Promise((resolve) => service.on('exit', resolve));
process.on('SIGTERM', () => void ended.then(() => process.exit(143)));
require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(service.pid));
setTimeout(() => {}, 60_000);
`;
}
