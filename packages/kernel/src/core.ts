// The part of the kernel that needs no HTTP stack: errors and the database.
// A worker thread imports this instead of the full kernel, which would load
// Fastify, pino, the buses and the rest (about 0.7 s and tens of MB per
// thread) for nothing.
export { AppError } from './errors/app-error.js';
export { openDatabase } from './db/database.js';
export type { Database, DatabaseOptions, Engine } from './db/database.js';
export type { SqliteStatements } from './db/sqlite-statement-cache.js';
