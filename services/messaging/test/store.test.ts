import { migrateToLatest } from '@sanctum/kernel';
import type { AuthEvent, Database, SqliteStatements } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { timeOrderedId } from '../src/domain/ids.js';
import { RetentionSweeper } from '../src/domain/retention.sweeper.js';
import { migrations } from '../src/migrations/index.js';
import { ConversationStore } from '../src/store/conversation.store.js';
import { GroupCommitter } from '../src/store/group-commit.js';
import { InProcessWriter } from '../src/writer/writer.js';
import { MessageStore } from '../src/store/message.store.js';
import { QueueStore } from '../src/store/queue.store.js';
import { RawSql } from '../src/store/raw-query.js';
import type { NewEnvelope } from '../src/store/queue.store.js';
import type { SqlProgram } from '../src/store/sql-program.js';
import { ReplicaStore } from '../src/store/replica.store.js';
import { isTransientConflict, isUniqueViolation } from '../src/store/store-errors.js';
import type { MessageRow, MessagingTables } from '../src/store/tables.js';

function event(seq: number, type: string, fields: Record<string, string>): AuthEvent {
  return { seq, type, occurredAt: 1_000 + seq, ...fields } as unknown as AuthEvent;
}

function envelope(deviceId: string, sentAt: number, n: number): NewEnvelope {
  return {
    device_id: deviceId,
    message_id: `m-${n}`,
    conversation_id: 'c',
    seq: n,
    sender_account_id: 'sa',
    sender_device_id: 'sd',
    client_message_id: `cm-${n}`,
    sent_at: sentAt,
    ciphertext: Buffer.from([n]),
  };
}

function messageRow(n: number, sentAt: number): MessageRow {
  return { message_id: timeOrderedId(sentAt), conversation_id: 'c', seq: n, sender_account_id: 'sa', sender_device_id: 'sd', client_message_id: `cm-${n}`, sent_at: sentAt };
}

describe.each(testEngines())('messaging stores on $name', (engine) => {
  let database: Database<MessagingTables>;
  let committer: GroupCommitter;
  let queues: QueueStore;
  let replica: ReplicaStore;
  let batches: number[];
  const appendJob = (list: readonly NewEnvelope[]) => ({ program: queues.append(list) });
  const ackJob = (deviceId: string, ids: readonly number[]) => ({ program: queues.ack(deviceId, ids) });

  beforeEach(async () => {
    database = await engine.open<MessagingTables>();
    await migrateToLatest(database.db as never, migrations);
    batches = [];
    committer = new GroupCommitter(database.db, database.engine, { maxBatch: 64, lazyDelayMs: 5, onBatch: (size) => batches.push(size), sqlite: database.sqlite });
    queues = new QueueStore(database.db, new RawSql(database.engine));
    replica = new ReplicaStore(database.db);
    await committer.run((trx) =>
      replica.applyBatch(trx, [event(1, 'account.created', { accountId: 'a' }), event(2, 'device.added', { accountId: 'a', deviceId: 'd1' })], 2),
    );
  });
  afterEach(async () => {
    await committer.drain();
    await database.close();
  });

  it('finds direct conversations by key, remembering found ids but never a miss', async () => {
    const conversations = new ConversationStore(database.db, new RawSql(database.engine), 1);
    const direct = (id: string, key: string) =>
      committer.run((trx) =>
        conversations.insert(trx, { conversation_id: id, kind: 'direct', direct_key: key, metadata: null, version: 1, last_seq: 0, created_at: 1 }, []),
      );
    expect(await conversations.directId('a b')).toBeUndefined();
    await direct('c1', 'a b');
    expect(await conversations.directId('a b')).toBe('c1');
    await direct('c2', 'a c');
    expect(await conversations.directId('a c')).toBe('c2');
    // Only one remembered: the first is looked up again, and is still right.
    expect(await conversations.directId('a b')).toBe('c1');
    expect(await conversations.directId('x y')).toBeUndefined();
  });

  it('commits concurrent writes together, and a failing one alone is undone', async () => {
    const results = await Promise.allSettled([
      committer.run(appendJob([envelope('d1', 1, 1)])),
      committer.run(async (trx) => {
        await new RawSql(database.engine).program(trx, queues.append([envelope('d1', 1, 2)]));
        throw new Error('this job fails after writing');
      }),
      committer.run(appendJob([envelope('d1', 1, 3)])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches.at(-1)).toBe(3);
    const rows = await queues.listAfter('d1', 0, 10);
    expect(rows.map((r) => r.seq)).toEqual([1, 3]);
    expect(await queues.depthOf('d1')).toBe(2);
  });

  it('undoes a failing program alone in a batch of programs: synchronously on SQLite, awaited on PostgreSQL', async () => {
    function* failsAfterWriting(): SqlProgram<never> {
      yield* queues.append([envelope('d1', 1, 2)]);
      throw new Error('this program fails after writing');
    }
    // Records what runs on the prepared statements: on SQLite the whole transaction must, not Kysely.
    const ranSynchronously: string[] = [];
    const sqlite = database.sqlite;
    const recording: SqliteStatements | undefined =
      sqlite === undefined
        ? undefined
        : {
            close: () => undefined,
            prepare: (text: string) => {
              ranSynchronously.push(text);
              return sqlite.prepare(text);
            },
          };
    const programs = new GroupCommitter(database.db, database.engine, { maxBatch: 64, onBatch: (size) => batches.push(size), sqlite: recording });
    const messages = new MessageStore(database.db, new RawSql(database.engine));
    await programs.run({ program: messages.insert(messageRow(1, 1)) });
    batches.length = 0;
    ranSynchronously.length = 0;
    const results = await Promise.allSettled([
      programs.run(appendJob([envelope('d1', 1, 1)])),
      programs.run({ program: failsAfterWriting() }),
      // The same client message id again: a unique violation, as a retried send meets.
      programs.run({ program: messages.insert(messageRow(1, 1)) }),
      programs.run(appendJob([envelope('d1', 1, 3)])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(isUniqueViolation((results[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(batches).toEqual([4]);
    expect((await queues.listAfter('d1', 0, 10)).map((r) => r.seq)).toEqual([1, 3]);
    expect(await queues.depthOf('d1')).toBe(2);
    if (database.engine === 'sqlite') {
      expect(ranSynchronously[0]).toBe('begin immediate');
      expect(ranSynchronously.at(-1)).toBe('commit');
      expect(ranSynchronously.filter((text) => text === 'rollback to savepoint job')).toHaveLength(2);
    } else {
      expect(ranSynchronously).toEqual([]);
    }
  });

  it.skipIf(engine.name !== 'sqlite')('rejects every job of a synchronous batch whose transaction cannot begin, and stores nothing', async () => {
    const sqlite = database.sqlite;
    if (sqlite === undefined) throw new Error('a SQLite database exposes its prepared statements');
    const refusing: SqliteStatements = {
      close: () => undefined,
      prepare: (text: string) => {
        if (text === 'begin immediate') throw new Error('database is locked');
        return sqlite.prepare(text);
      },
    };
    const locked = new GroupCommitter(database.db, database.engine, { maxBatch: 64, sqlite: refusing });
    const results = await Promise.allSettled([locked.run(appendJob([envelope('d1', 1, 1)])), locked.run(appendJob([envelope('d1', 1, 2)]))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await queues.listAfter('d1', 0, 10)).toEqual([]);
    // The connection is usable afterwards.
    await committer.run(appendJob([envelope('d1', 1, 3)]));
    expect(await queues.depthOf('d1')).toBe(1);
  });

  it('lets lazy jobs (acks) ride in the next durable commit, and commits them alone, lazily, after the delay', async () => {
    await committer.run(appendJob([envelope('d1', 1, 1), envelope('d1', 1, 2)]));
    const [first, second] = await queues.listAfter('d1', 0, 10);
    batches.length = 0;

    // A lazy job alone waits for the delay, then commits in a transaction of its own.
    const alone = committer.run(ackJob('d1', [first!.envelope_id]), true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([]);
    expect(await alone).toEqual([1]);
    expect(batches).toEqual([1]);
    if (database.engine === 'sqlite') {
      // The connection is back to durable commits for whatever comes next.
      const [row] = (await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db)).rows;
      expect(row?.synchronous).toBe(2);
    }

    // A lazy job still waiting when a durable one comes (a turn later) shares its transaction: one commit, not two.
    batches.length = 0;
    const acked = committer.run(ackJob('d1', [second!.envelope_id]), true);
    await new Promise((resolve) => setImmediate(resolve));
    await committer.run(appendJob([envelope('d1', 1, 3)]));
    expect(await acked).toEqual([1]);
    expect(batches).toEqual([2]);
    expect((await queues.listAfter('d1', 0, 10)).map((r) => r.seq)).toEqual([3]);
  });

  it('holds durable jobs in a commit window while they come often, and commits one after a pause at once', async () => {
    const windowed: number[] = [];
    const held = new GroupCommitter(database.db, database.engine, {
      maxBatch: 64,
      commitWindow: { maxHoldMs: 5_000, batch: 3 },
      onBatch: (size) => windowed.push(size),
    });
    const append = (n: number) => held.run(appendJob([envelope('d1', 1, n)]));
    // Rare writes: the first after a pause goes at once (a 5 s hold would time this test out).
    await append(1);
    // Frequent writes: each commits once two more have joined it.
    const frequent: Promise<unknown>[] = [];
    for (let n = 2; n <= 16; n++) {
      frequent.push(append(n));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(frequent);
    expect(windowed.slice(0, 1)).toEqual([1]);
    // On SQLite a held batch goes at exactly three; on PostgreSQL more may queue behind a running commit.
    expect(Math.max(...windowed.slice(1))).toBeGreaterThanOrEqual(3);
    expect(windowed.reduce((sum, size) => sum + size, 0)).toBe(16);
    expect(windowed.length).toBeLessThan(12);
    expect(await queues.depthOf('d1')).toBe(16);
    await held.drain();
  });

  it('commits waiting lazy jobs at once when drained (shutdown)', async () => {
    const slow = new GroupCommitter(database.db, database.engine, { maxBatch: 64, lazyDelayMs: 60_000 });
    await slow.run(appendJob([envelope('d1', 1, 1)]));
    const [row] = await queues.listAfter('d1', 0, 10);
    const acked = slow.run(ackJob('d1', [row!.envelope_id]), true);
    await slow.drain();
    expect(await acked).toEqual([1]);
    expect(await queues.depthOf('d1')).toBe(0);
  });

  it('never reuses an envelope id after the newest is acknowledged', async () => {
    await committer.run(appendJob([envelope('d1', 1, 1)]));
    const [first] = await queues.listAfter('d1', 0, 10);
    await committer.run(ackJob('d1', [first!.envelope_id]));
    await committer.run(appendJob([envelope('d1', 1, 2)]));
    const [second] = await queues.listAfter('d1', 0, 10);
    expect(second!.envelope_id).toBeGreaterThan(first!.envelope_id);
  });

  it('acknowledges only the device’s own envelopes and returns their send times', async () => {
    await committer.run((trx) => replica.applyBatch(trx, [event(3, 'device.added', { accountId: 'a', deviceId: 'd2' })], 3));
    await committer.run(appendJob([envelope('d1', 10, 1), envelope('d2', 20, 2)]));
    const all = [...(await queues.listAfter('d1', 0, 10)), ...(await queues.listAfter('d2', 0, 10))].map((r) => r.envelope_id);
    expect(await committer.run(ackJob('d1', all))).toEqual([10]);
    expect(await committer.run(ackJob('d1', []))).toEqual([]);
    expect(await queues.depthOf('d2')).toBe(1);
    expect(await queues.depthStats()).toEqual({ total: 1, max: 1 });
  });

  it('sweeps envelopes and idempotency records past retention', async () => {
    const now = 100 * 86_400_000;
    await committer.run(appendJob([envelope('d1', 1, 1), envelope('d1', now - 1000, 2)]));
    const messages = new MessageStore(database.db, new RawSql(database.engine));
    for (const [n, sentAt] of [[1, 1], [2, now - 1000]] as const) await committer.run({ program: messages.insert(messageRow(n, sentAt)) });
    const writer = new InProcessWriter(committer, { messages, queues, conversations: new ConversationStore(database.db, new RawSql(database.engine)), replica });
    const sweeper = new RetentionSweeper({ writer, retentionMs: 30 * 86_400_000, intervalMs: 60_000, clock: () => now });
    expect(await sweeper.sweepOnce()).toEqual({ envelopes: 1, messages: 1 });
    expect((await queues.listAfter('d1', 0, 10)).map((r) => r.seq)).toEqual([2]);
    expect(await queues.depthOf('d1')).toBe(1);
    expect(await messages.byClientId('sd', 'cm-1')).toBeUndefined();
    expect(await messages.byClientId('sd', 'cm-2')).toBeDefined();
    sweeper.start();
    await sweeper.stop();
  });

  it('expires from the front of each queue in bounded steps, across devices, and resumes where a step stopped', async () => {
    await committer.run((trx) =>
      replica.applyBatch(trx, [event(3, 'device.added', { accountId: 'a', deviceId: 'd2' }), event(4, 'device.added', { accountId: 'a', deviceId: 'd3' })], 4),
    );
    // d1: three expired, then a fresh one, then one a clock step put behind it (kept until a later sweep);
    // d2: nothing expired; d3: two expired.
    await committer.run(
      appendJob([
        envelope('d1', 1, 1), envelope('d1', 2, 2), envelope('d1', 3, 3), envelope('d1', 5_000, 4), envelope('d1', 4, 5),
        envelope('d2', 6_000, 6), envelope('d3', 7, 7), envelope('d3', 8, 8),
      ]),
    );
    const step = (afterDeviceId: string) => committer.run((trx) => queues.expire(trx, 1_000, 2, afterDeviceId));
    // Out of budget inside d1: the next step starts at d1 again.
    expect(await step('')).toEqual({ deleted: 2, resumeAfter: '' });
    // d1's one expired envelope, none of d2's, then d3's first: out of budget again, so d3 comes next.
    expect(await step('')).toEqual({ deleted: 2, resumeAfter: 'd2' });
    expect(await step('d2')).toEqual({ deleted: 1, resumeAfter: undefined });
    expect((await queues.listAfter('d1', 0, 10)).map((r) => r.seq)).toEqual([4, 5]);
    expect((await queues.listAfter('d2', 0, 10)).map((r) => r.seq)).toEqual([6]);
    expect(await queues.listAfter('d3', 0, 10)).toEqual([]);
    expect(await queues.depthStats()).toEqual({ total: 3, max: 2 });
    // The sweeper takes every step of a pass by itself.
    await committer.run(appendJob([envelope('d2', 9, 9), envelope('d3', 10, 10)]));
    const messages = new MessageStore(database.db, new RawSql(database.engine));
    const writer = new InProcessWriter(committer, { messages, queues, conversations: new ConversationStore(database.db, new RawSql(database.engine)), replica });
    const sweeper = new RetentionSweeper({ writer, retentionMs: 1_000, intervalMs: 60_000, clock: () => 2_000 });
    expect(await sweeper.sweepOnce()).toEqual({ envelopes: 1, messages: 0 });
    expect(await queues.depthStats()).toEqual({ total: 4, max: 2 });
  });

  it('applies Auth events idempotently and never moves the cursor back', async () => {
    const batch = [
      event(3, 'device.added', { accountId: 'a', deviceId: 'd2' }),
      event(4, 'device.removed', { accountId: 'a', deviceId: 'd2' }),
      event(5, 'device.removed', { accountId: 'b', deviceId: 'never-seen' }),
      event(6, 'session.revoked', { accountId: 'a', sessionId: 's1' }),
    ];
    await committer.run(appendJob([envelope('d1', 1, 1)]));
    const effects = await committer.run((trx) => replica.applyBatch(trx, batch, 6));
    await committer.run((trx) => replica.applyBatch(trx, batch, 6));
    expect(effects).toEqual([
      { kind: 'device', deviceId: 'd2' },
      { kind: 'device', deviceId: 'never-seen' },
      { kind: 'session', sessionId: 's1' },
    ]);
    expect(await replica.isDeviceRemoved('d2')).toBe(true);
    expect(await replica.isDeviceRemoved('never-seen')).toBe(true);
    expect(await replica.isDeviceRemoved('d1')).toBe(false);
    await committer.run((trx) => replica.applyBatch(trx, [event(7, 'account.deleted', { accountId: 'a' })], 7));
    expect(await replica.isDeviceRemoved('d1')).toBe(true);
    expect(await queues.listAfter('d1', 0, 10)).toEqual([]);
    expect(await replica.existingAccounts(database.db, ['a'])).toEqual(new Set());
    await committer.run((trx) => replica.applyBatch(trx, [], 3));
    expect(await replica.loadCursor()).toBe(7);
  });

  it('recognises unique violations on this engine', async () => {
    const row = { name: 'x', position: 1 };
    await committer.run((trx) => trx.insertInto('follower_cursor').values(row).execute());
    const error = await committer.run((trx) => trx.insertInto('follower_cursor').values(row).execute()).catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isTransientConflict(error)).toBe(false);
    expect(isTransientConflict({ code: '40P01' })).toBe(true);
    expect(isUniqueViolation(null)).toBe(false);
  });
});
