import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@sanctum/kernel';

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
