import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { withStatementCache } from './sqlite-statement-cache.js';
import type { SqliteStatements } from './sqlite-statement-cache.js';

export type Engine = 'sqlite' | 'postgres';

/** A service's database: the Kysely instance plus what main.ts and /readyz need. */
export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  /** The SQLite file, for a second connection on another thread; undefined in memory and on PostgreSQL. */
  readonly file?: string;
  /**
   * SQLite only: the connection's cached prepared statements, for code that
   * runs statements synchronously on the owning thread (Messaging's send
   * path) on the same connection as `db`. Undefined on PostgreSQL.
   */
  readonly sqlite?: SqliteStatements;
  /** Resolves when the database answers a trivial query; rejects otherwise (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… or sqlite:///absolute/path.sqlite or sqlite://:memory:; unset → `<dataDir>/<name>.sqlite`. */
  url?: string | undefined;
  dataDir: string;
  /** The service name, used for the embedded SQLite file name. */
  name: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Extra PostgreSQL connection options (the test helper uses it to pin a schema). */
  postgresOptions?: string;
  /**
   * Run WAL checkpoints on a worker (default true). A second connection to a
   * file that already has its checkpointer (a writer thread's) passes false.
   */
  checkpoints?: boolean;
}

// BIGINT columns (sequence numbers, millisecond timestamps) arrive from pg as
// strings by default; every value we store fits in a double, so parse them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number.parseInt(value, 10));

/**
 * Opens the service database chosen by configuration: PostgreSQL when the URL
 * says so, otherwise an embedded SQLite file in WAL mode with `synchronous=FULL`
 * so a committed transaction survives a crash or power loss.
 *
 * @example
 * const database = openDatabase<AuthTables>({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, name: 'auth' });
 */
export function openDatabase<DB>(options: DatabaseOptions): Database<DB> {
  const url = options.url;
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) return openPostgres<DB>(url, options);
  let file: string;
  if (url?.startsWith('sqlite://')) {
    file = url.slice('sqlite://'.length);
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    file = join(options.dataDir, `${options.name}.sqlite`);
  }
  return openSqlite<DB>(file, options.checkpoints ?? true);
}

/** What a WAL file is cut back to when the log starts over: 64 MiB, four times the checkpointer's restart point. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

function openSqlite<DB>(file: string, checkpoints: boolean): Database<DB> {
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // An in-memory database has no WAL; a file's checkpoints run on a worker (see SqliteCheckpointer).
  const checkpointer = connection.memory || !checkpoints ? undefined : SqliteCheckpointer.start(file);
  if (!connection.memory) {
    connection.pragma('wal_autocheckpoint = 0');
    // When a commit starts the WAL over, a file that grew past this in a burst is cut back to it.
    connection.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  }
  const statements = withStatementCache(connection);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: statements }) });
  return {
    db,
    engine: 'sqlite',
    sqlite: statements,
    ...(connection.memory ? {} : { file }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}

function openPostgres<DB>(url: string, options: DatabaseOptions): Database<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.postgresOptions === undefined ? {} : { options: options.postgresOptions }),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
