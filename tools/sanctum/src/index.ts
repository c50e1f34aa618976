// The `sanctum` CLI as a library: every command is a function that returns data.
export { startCommand } from './commands/start/start.command.js';
export type { StartOptions, StartResult } from './commands/start/start.command.js';
export { startPlatform, internalTokenFor, SERVICE_NAMES, DEFAULT_PORTS } from './lib/platform.js';
export type { Platform, PlatformOptions, RunningService, ServiceName } from './lib/platform.js';
export { freePort } from './lib/free-port.js';
export { repoRoot } from './lib/repo-root.js';
export type * from './lib/smoke-result.js';
export { SMOKE_RESULT_SCHEMA_VERSION, SMOKE_RESULTS_FILE } from './lib/smoke-result.js';
export type { CliContext } from './lib/cli-context.js';
