// The kernel: what every Sanctum service shares. One module per job; see each file.
export { loadConfig, ConfigError } from './config/config.loader.js';
export { serviceConfigProperties, tokenVerificationConfigProperties } from './config/base.config.js';
export type { ServiceConfig } from './config/base.config.js';

export { loggerOptions, REDACTED_PATHS } from './logging/logger.js';

export { AppError, errorBody } from './errors/app-error.js';
export type { ErrorBody } from './errors/app-error.js';
export { installErrorHandler } from './errors/error-handler.js';

export { createServer } from './http/server.factory.js';
// Carries the `app.metrics` declaration into the built typings of every service.
export type {} from './http/metrics.plugin.js';
export type { SanctumApp, ServerOptions } from './http/server.factory.js';
export type { ReadyCheck } from './http/health.routes.js';
export { runService } from './http/service-runner.js';

export { openDatabase } from './db/database.js';
export type { Database, DatabaseOptions, Engine } from './db/database.js';
export type { SqliteStatements } from './db/sqlite-statement-cache.js';
export { migrateToLatest } from './db/migrator.js';
export { binaryType, autoIncrementType, skipLocked, engineOf } from './db/dialect.js';

export type { NotificationBus, BusHandler } from './bus/notification-bus.js';
export { InProcessBus } from './bus/in-process.bus.js';
export { RedisBus } from './bus/redis.bus.js';
export { NatsBus } from './bus/nats.bus.js';
export { createBus } from './bus/create-bus.js';

export type { AccessClaims } from './auth/access-claims.js';
export { ACCESS_TOKEN_ALG, ACCESS_TOKEN_CLAIMS, ACCESS_TOKEN_TYP } from './auth/access-claims.js';
export { TokenVerifier } from './auth/token-verifier.js';
export type { TokenVerifierOptions } from './auth/token-verifier.js';
export { RevocationList } from './auth/revocation.list.js';
export type { RevocationKind } from './auth/revocation.list.js';
export { installAuthentication, requireInternalToken, bearerToken } from './auth/authenticate.plugin.js';

export * from './events/auth-events.contract.js';
export { AuthEventsFollower } from './events/auth-events.follower.js';
export type { AuthEventsFollowerOptions } from './events/auth-events.follower.js';

export { openServiceResources } from './service/service-resources.js';
export { PeriodicTask } from './service/periodic-task.js';
export { untilWorkerMessage } from './service/worker-message.js';
export type { PeriodicTaskLog } from './service/periodic-task.js';
export type { ServiceResources, ServiceResourceOptions } from './service/service-resources.js';
