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
export { EXIT_CODES, exitCodeFor } from './lib/exit-code.js';

// Release pipeline: each command is a function returning a result object.
export { nightlyCommand } from './commands/nightly/nightly.command.js';
export type { NightlyOptions, NightlyResult } from './commands/nightly/nightly.command.js';
export { promoteCommand } from './commands/promote/promote.command.js';
export type { PromoteOptions, PromoteResult } from './commands/promote/promote.command.js';
export { rollbackCommand } from './commands/rollback/rollback.command.js';
export type { RollbackOptions, RollbackResult } from './commands/rollback/rollback.command.js';
export { hotfixStartCommand, hotfixFinishCommand } from './commands/hotfix/hotfix.command.js';
export type { HotfixStartOptions, HotfixStartResult, HotfixFinishOptions, HotfixFinishResult } from './commands/hotfix/hotfix.command.js';
export { backportCommand } from './commands/hotfix/backport.command.js';
export type { BackportOptions, BackportResult } from './commands/hotfix/backport.command.js';
export { releaseNotesCommand } from './commands/release-notes/release-notes.command.js';
export type { ReleaseNotesOptions, ReleaseNotesResult } from './commands/release-notes/release-notes.command.js';
export { metricsCommand } from './commands/metrics/metrics.command.js';
export type { MetricsOptions, MetricsResult } from './commands/metrics/metrics.command.js';
export { protectCommand } from './commands/protect/protect.command.js';
export type { ProtectOptions, ProtectResult } from './commands/protect/protect.command.js';
export { recordCiCommand } from './commands/record/record.command.js';
export type { RecordCiOptions, RecordResult } from './commands/record/record.command.js';
export { appendRecord, loadRecords, publishRecords, syncRecords, RECORDS_NOTES_REF } from './lib/records/record.store.js';
export type { RunRecord } from './lib/records/run-record.js';
export { nightlyRecord } from './lib/records/nightly-record.js';
export { readSmokeResult } from './lib/smoke-result.reader.js';
