import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, migrateToLatest, openDatabase } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../src/migrations/index.js';
import { ConversationStore } from '../src/store/conversation.store.js';
import { QueueStore } from '../src/store/queue.store.js';
import { RawSql } from '../src/store/raw-query.js';
import { isUniqueViolation } from '../src/store/store-errors.js';
import type { MessagingTables } from '../src/store/tables.js';
import { packError, unpackError } from '../src/writer/error-transport.js';
import { ThreadWriter } from '../src/writer/thread-writer.js';
import { aliceToBob, seedAliceAndBob } from './support/writer-fixture.js';

describe('the SQLite writer thread', () => {
  let dir: string;
  let database: Database<MessagingTables>;
  let writer: ThreadWriter;
  let batches: number[];

  const send = aliceToBob;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanctum-writer-'));
    database = openDatabase<MessagingTables>({ dataDir: dir, name: 'messaging' });
    await migrateToLatest(database.db as never, migrations);
    batches = [];
    writer = await ThreadWriter.start({ file: database.file!, maxBatch: 64 }, { lazyDelayMs: 5, onBatch: (size) => batches.push(size) });
    await seedAliceAndBob(writer);
  });
  afterEach(async () => {
    await writer.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits writes made in one turn together, visible to the event loop’s own connection once they resolve', async () => {
    const stored = await Promise.all([send('m1'), send('m2'), send('m3')].map((args) => writer.run('storeMessage', args)));
    expect(stored.map((s) => s.message.seq)).toEqual([1, 2, 3]);
    expect(batches.at(-1)).toBe(3);
    const queues = new QueueStore(database.db, new RawSql('sqlite'));
    const rows = await queues.listAfter('b1', 0, 10);
    expect(rows.map((r) => r.envelope_id)).toEqual(stored.map((s) => s.envelopeIds[0]));
    expect(Buffer.from(rows[2]!.ciphertext).toString()).toBe('ciphertext m3');
    expect(await writer.run('ack', { deviceId: 'b1', envelopeIds: rows.map((r) => r.envelope_id) })).toEqual([1_000, 1_000, 1_000]);
    expect(await queues.depthOf('b1')).toBe(0);
  });

  it('holds an ack back for the next send, so both cross to the thread and commit together', async () => {
    const [first, second] = await Promise.all([writer.run('storeMessage', send('m1')), writer.run('storeMessage', send('m2'))]);
    batches.length = 0;
    const ack = writer.run('ack', { deviceId: 'b1', envelopeIds: first.envelopeIds });
    // A turn later the ack would already have crossed alone, were it not held back.
    await new Promise((resolve) => setImmediate(resolve));
    await writer.run('storeMessage', send('m3'));
    expect(await ack).toEqual([1_000]);
    expect(batches).toEqual([2]);

    // Alone, an ack goes after the delay, in a transaction of its own.
    batches.length = 0;
    expect(await writer.run('ack', { deviceId: 'b1', envelopeIds: second.envelopeIds })).toEqual([1_000]);
    expect(batches).toEqual([1]);
    expect(await new QueueStore(database.db, new RawSql('sqlite')).depthOf('b1')).toBe(1);
  });

  it('holds sends in a commit window while they come often, so several cross to the thread and commit together', async () => {
    const windowed: number[] = [];
    const held = await ThreadWriter.start(
      { file: database.file!, maxBatch: 64 },
      { lazyDelayMs: 5, commitWindow: { maxHoldMs: 5_000, batch: 3 }, onBatch: (size) => windowed.push(size) },
    );
    try {
      // The first after a pause goes at once (a 5 s hold would time this test out)…
      await held.run('storeMessage', send('w0'));
      // …sends a turn apart each wait until two more have joined them.
      const frequent: Promise<unknown>[] = [];
      for (let n = 1; n <= 15; n++) {
        frequent.push(held.run('storeMessage', send(`w${n}`)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(frequent);
      expect(windowed[0]).toBe(1);
      expect(Math.max(...windowed)).toBeGreaterThanOrEqual(3);
      expect(windowed.reduce((sum, size) => sum + size, 0)).toBe(16);
      expect(windowed.length).toBeLessThan(12);
      expect(await new QueueStore(database.db, new RawSql('sqlite')).depthOf('b1')).toBe(16);
    } finally {
      await held.close();
    }
  });

  it('brings a refusal back as the same AppError, and a retried client id as the driver’s unique violation', async () => {
    const outcomes = await Promise.allSettled([
      writer.run('storeMessage', send('m1')),
      writer.run('storeMessage', send('m2', { deviceIds: ['b1', 'b2'], ciphertexts: [Buffer.from('x'), Buffer.from('y')] })),
      writer.run('storeMessage', send('m1')),
      writer.run('storeMessage', send('m3', { senderAccountId: 'mallory' })),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    const [, mismatch, retry, outsider] = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as unknown) : undefined));
    expect(mismatch).toBeInstanceOf(AppError);
    expect(mismatch).toMatchObject({ code: 'MSG_DEVICE_MISMATCH', statusCode: 409, details: { extra: ['b2'] } });
    expect(isUniqueViolation(retry)).toBe(true);
    expect(outsider).toMatchObject({ code: 'MSG_NOT_A_MEMBER', statusCode: 403 });
    // The refused ones stored nothing: only m1's envelope waits.
    expect(await new QueueStore(database.db, new RawSql('sqlite')).depthOf('b1')).toBe(1);
  });

  it('runs the conversation and retention writes', async () => {
    expect(await writer.run('updateMetadata', { conversationId: 'c1', metadata: 'topic', expectedVersion: 1 })).toBe(true);
    expect(await writer.run('updateMetadata', { conversationId: 'c1', metadata: 'stale', expectedVersion: 1 })).toBe(false);
    await writer.run('addMembers', { conversationId: 'c1', members: [{ conversation_id: 'c1', account_id: 'carol', role: 'member', joined_at: 2 }] });
    await writer.run('setRole', { conversationId: 'c1', accountId: 'carol', role: 'admin' });
    await writer.run('removeMember', { conversationId: 'c1', accountId: 'carol', successor: 'bob' });
    const record = await new ConversationStore(database.db, new RawSql('sqlite')).find(database.db, 'c1');
    expect(record?.conversation).toMatchObject({ metadata: 'topic', version: 5 });
    expect(record?.members.find((m) => m.account_id === 'bob')?.role).toBe('admin');
    await writer.run('storeMessage', send('old'));
    expect(await writer.run('expireEnvelopes', { cutoff: 2_000, limit: 10 })).toEqual({ deleted: 1, resumeAfter: undefined });
    expect(await writer.run('deleteMessages', { cutoff: Date.now(), limit: 10 })).toBe(1);
  });

  it('fails pending and later writes with 503 MSG_STORE_UNAVAILABLE once the thread is gone, and says so', async () => {
    expect(writer.fault).toBeUndefined();
    // Stands for a crash of the thread (ThreadWriter keeps its Worker private); the write is posted as it dies.
    const terminated = (writer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const pending = writer.run('storeMessage', send('m1'));
    await terminated;
    await expect(pending).rejects.toMatchObject({ code: 'MSG_STORE_UNAVAILABLE', statusCode: 503 });
    expect(writer.fault?.message).toMatch(/writer thread exited/);
    await expect(writer.run('storeMessage', send('m2'))).rejects.toMatchObject({ code: 'MSG_STORE_UNAVAILABLE' });
    await writer.drain();
  });
});

describe('errors crossing the thread', () => {
  it('keep what the callers decide on', () => {
    const appError = unpackError(packError(new AppError('MSG_X', 'refused', 409, { devices: ['d'] })));
    expect(appError).toBeInstanceOf(AppError);
    expect(appError).toMatchObject({ code: 'MSG_X', message: 'refused', statusCode: 409, details: { devices: ['d'] } });
    expect(unpackError(packError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' })))).toMatchObject({ message: 'busy', code: 'SQLITE_BUSY' });
    const plain = unpackError(packError('a string'));
    expect(plain.message).toBe('a string');
    expect('code' in plain).toBe(false);
    const bare = unpackError(packError(new AppError('MSG_Y', 'no details', 400)));
    expect(bare).toMatchObject({ code: 'MSG_Y', statusCode: 400 });
    expect(bare).toBeInstanceOf(AppError);
    expect('details' in bare ? bare.details : undefined).toBeUndefined();
  });
});
