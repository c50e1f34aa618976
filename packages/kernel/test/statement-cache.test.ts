import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cacheStatements } from '../src/db/statement-cache.js';

describe('cacheStatements', () => {
  it('reuses a compiled statement and evicts the least recently used', () => {
    const connection = new SQLite(':memory:');
    cacheStatements(connection, 2);
    connection.prepare('create table t (x integer)').run();
    const insert = connection.prepare('insert into t (x) values (?)');
    expect(connection.prepare('insert into t (x) values (?)')).toBe(insert);
    insert.run(1);
    const count = connection.prepare('select count(*) as n from t');
    expect(connection.prepare('insert into t (x) values (?)')).toBe(insert); // touched: now most recent
    connection.prepare('select 1'); // evicts `count`, the least recently used
    expect(connection.prepare('select count(*) as n from t')).not.toBe(count);
    expect(connection.prepare('insert into t (x) values (?)')).not.toBe(insert);
    expect((connection.prepare('select count(*) as n from t').get() as { n: number }).n).toBe(1);
    connection.close();
  });
});
