import type SQLite from 'better-sqlite3';

/**
 * Makes `connection.prepare` reuse compiled statements. Kysely's SQLite driver
 * prepares every query it runs, and compiling the SQL costs more than running
 * a small query; with a cache, a hot path (the same few statements again and
 * again) skips it. Bounded, least recently used out first, because `in (?, ?)`
 * lists make the set of distinct statements open-ended. Safe with Kysely: it
 * runs one query at a time per connection, so a cached statement is never
 * used twice at once.
 *
 * @example
 * const connection = new SQLite(file);
 * cacheStatements(connection, 256);
 */
export function cacheStatements(connection: SQLite.Database, size: number): void {
  const prepare = connection.prepare.bind(connection);
  const cache = new Map<string, SQLite.Statement>();
  const cached = (source: string): SQLite.Statement => {
    let statement = cache.get(source);
    if (statement === undefined) {
      statement = prepare(source);
      if (cache.size >= size) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
    } else {
      cache.delete(source);
    }
    cache.set(source, statement);
    return statement;
  };
  connection.prepare = cached as typeof connection.prepare;
}
