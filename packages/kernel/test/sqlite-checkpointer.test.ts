import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@sanctum/kernel';
import { SqliteCheckpointer } from '../src/db/sqlite-checkpointer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sanctum-checkpoint-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SQLite checkpoints on a worker thread', () => {
  it('keeps the WAL from growing without the connection checkpointing itself', async () => {
    const database = openDatabase<{ blobs: { body: Uint8Array } }>({ dataDir: dir, name: 'blobs' });
    const auto = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
    expect(auto.rows[0]?.wal_autocheckpoint).toBe(0);
    await sql`create table blobs (body blob not null)`.execute(database.db);
    const body = new Uint8Array(64 * 1024);
    for (let i = 0; i < 100; i += 1) await database.db.insertInto('blobs').values({ body }).execute();
    // 100 × 64 KiB went through the WAL; the worker copies it into the database file.
    await until(() => statSync(join(dir, 'blobs.sqlite')).size > 100 * 64 * 1024);
    const count = await database.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(100);
    await database.close();
  });
});

describe('a WAL under a steady stream of commits', () => {
  it('is brought back to its start instead of growing with every write', async () => {
    const file = join(dir, 'stream.sqlite');
    const connection = new SQLite(file);
    connection.pragma('journal_mode = WAL');
    // The test measures the WAL's length, not the disk's speed.
    connection.pragma('synchronous = OFF');
    connection.pragma('wal_autocheckpoint = 0');
    connection.pragma('busy_timeout = 5000');
    connection.exec('create table blobs (body blob not null)');
    const checkpointer = SqliteCheckpointer.start(file, { intervalMs: 10, restartAbovePages: 256, closeEnoughPages: 16 });
    // Writing before the worker runs measured how long a thread takes to start on a busy machine (a 29 MiB WAL in CI).
    await checkpointer.ready();
    const insert = connection.prepare('insert into blobs (body) values (?)');
    const clear = connection.prepare('delete from blobs');
    const body = Buffer.alloc(64 * 1024, 7);
    let largestWal = 0;
    // 48 MiB through the WAL, a commit at a time with short pauses, like a busy service's event loop.
    for (let i = 1; i <= 768; i += 1) {
      insert.run(body);
      if (i % 4 === 0) {
        clear.run();
        largestWal = Math.max(largestWal, statSync(`${file}-wal`).size);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    await checkpointer.stop();
    connection.close();
    // With RESTART the file stayed at 7–13 MiB here; with PASSIVE alone it took all 48 MiB and more (62 MiB).
    expect(largestWal).toBeLessThan(24 * 1024 * 1024);
  });

  it('is to be cut back to 64 MiB when it starts over: every connection sets journal_size_limit', async () => {
    const database = openDatabase({ dataDir: dir, name: 'limit' });
    const limit = await sql<{ journal_size_limit: number }>`pragma journal_size_limit`.execute(database.db);
    expect(limit.rows[0]?.journal_size_limit).toBe(64 * 1024 * 1024);
    await database.close();
  });
});
