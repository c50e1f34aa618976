import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../src/migrations/index.js';
import { ConversationStore } from '../src/store/conversation.store.js';
import { GroupCommitter } from '../src/store/group-commit.js';
import { MessageStore } from '../src/store/message.store.js';
import { QueueStore } from '../src/store/queue.store.js';
import { RawSql } from '../src/store/raw-query.js';
import { ReplicaStore } from '../src/store/replica.store.js';
import { isUniqueViolation } from '../src/store/store-errors.js';
import type { MessagingTables } from '../src/store/tables.js';
import { AdaptiveWriter } from '../src/writer/adaptive-writer.js';
import type { AdaptivePolicy, MoveReason, ThreadSide, WriterPlace, WriterWindow } from '../src/writer/adaptive-writer.js';
import { ThreadWriter } from '../src/writer/thread-writer.js';
import type { StoreMessageArgs, WriteArgs, WriteOperationName, WriteResult } from '../src/writer/write-operations.js';
import { InProcessWriter } from '../src/writer/writer.js';
import { aliceToBob, seedAliceAndBob } from './support/writer-fixture.js';

/** A writer that records what it is given and settles when told. */
class RecordingWriter implements ThreadSide {
  readonly runs: string[] = [];
  fault: Error | undefined;
  closed = false;
  private inFlight: (() => void)[] = [];
  private drained: (() => void)[] = [];

  constructor(private readonly label: string) {}

  run<K extends WriteOperationName>(name: K, args: WriteArgs<K>): Promise<WriteResult<K>> {
    this.runs.push(`${name} ${JSON.stringify(args)}`);
    if (this.fault !== undefined) return Promise.reject(this.fault);
    return new Promise((resolve) => this.inFlight.push(() => { resolve(`${this.label}:${JSON.stringify(args)}` as never); }));
  }

  /** Ends every write in flight, as a commit would. */
  commit(): void {
    const writes = this.inFlight;
    this.inFlight = [];
    for (const end of writes) end();
    if (this.inFlight.length === 0) for (const wake of this.drained.splice(0)) wake();
  }

  drain(): Promise<void> {
    if (this.inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const POLICY: AdaptivePolicy = { windowMs: 1000, toThreadAbove: 0.9, hotWindows: 2, backBelow: 0.5, calmWindows: 3, trialWindows: 20, trialHotWindows: 1 };

/** An adaptive writer on a hand-turned clock and a scripted event-loop meter. */
function harness(policy = POLICY) {
  const eventLoop = new RecordingWriter('event-loop');
  const thread = new RecordingWriter('thread');
  let now = 0;
  let utilization = 0;
  const moves: { to: WriterPlace; window: WriterWindow; reason: MoveReason }[] = [];
  const faults: Error[] = [];
  const writer = new AdaptiveWriter(eventLoop, thread, {
    policy,
    clock: () => now,
    loopMeter: () => utilization,
    onMove: (to, window, reason) => moves.push({ to, window, reason }),
    onThreadFault: (error) => faults.push(error),
  });
  /** One window of `ms` at this utilization, closed by a transaction of `busyMs` ending on `place`. */
  const window = (place: WriterPlace, loop: number, busyMs = 100, ms = 1000): void => {
    now += ms;
    utilization = loop;
    writer.report(place, busyMs);
  };
  return { writer, eventLoop, thread, moves, faults, window };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the adaptive writer', () => {
  it('writes on the event loop, and moves to the thread only after `hotWindows` saturated windows in a row', async () => {
    const { writer, eventLoop, thread, moves, window } = harness();
    void writer.run('ack', { deviceId: 'd1', envelopeIds: [1] });
    expect(eventLoop.runs).toHaveLength(1);
    eventLoop.commit();

    window('event-loop', 0.95);
    window('event-loop', 0.6); // a burst of one window: the count starts again
    window('event-loop', 0.95);
    expect(writer.place).toBe('event-loop');
    window('event-loop', 0.97, 400);
    await flush();
    expect(writer.place).toBe('thread');
    expect(moves).toEqual([{ to: 'thread', window: { place: 'event-loop', loopUtilization: 0.97, commitShare: 0.4 }, reason: 'saturated' }]);

    void writer.run('ack', { deviceId: 'd1', envelopeIds: [2] });
    expect(thread.runs).toHaveLength(1);
    expect(eventLoop.runs).toHaveLength(1);
  });

  it('holds the writes that arrive during a move until the side being left has ended its own, then hands them over in order', async () => {
    const { writer, eventLoop, thread, window } = harness();
    const before = writer.run('ack', { deviceId: 'd1', envelopeIds: [1] });
    window('event-loop', 0.95);
    window('event-loop', 0.95);
    const during = [writer.run('ack', { deviceId: 'd1', envelopeIds: [2] }), writer.run('ack', { deviceId: 'd1', envelopeIds: [3] })];
    await flush();
    // The event loop still has a write in flight: nothing reaches the thread yet.
    expect(thread.runs).toEqual([]);
    expect(eventLoop.runs).toHaveLength(1);
    eventLoop.commit();
    expect(await before).toBe('event-loop:{"deviceId":"d1","envelopeIds":[1]}');
    await flush();
    expect(thread.runs).toEqual(['ack {"deviceId":"d1","envelopeIds":[2]}', 'ack {"deviceId":"d1","envelopeIds":[3]}']);
    thread.commit();
    expect(await Promise.all(during)).toEqual(['thread:{"deviceId":"d1","envelopeIds":[2]}', 'thread:{"deviceId":"d1","envelopeIds":[3]}']);
  });

  it('comes back after `calmWindows` windows in a row with the loop under `backBelow`, and ignores reports from the side it left', async () => {
    const { writer, moves, window } = harness();
    window('event-loop', 0.95);
    window('event-loop', 0.95);
    await flush();
    expect(writer.place).toBe('thread');

    // A late transaction of the event loop's says nothing about the thread.
    window('event-loop', 0.1);
    window('thread', 0.3);
    window('thread', 0.3);
    window('thread', 0.7); // one busy window: the count starts again
    window('thread', 0.3);
    window('thread', 0.3);
    expect(writer.place).toBe('thread');
    window('thread', 0.3);
    await flush();
    expect(writer.place).toBe('event-loop');
    expect(moves.map((move) => move.to)).toEqual(['thread', 'event-loop']);
  });

  it('stays on the thread while the loop, calm as it is, could not also hold the commits that would come back to it', async () => {
    const { writer, moves, window } = harness({ ...POLICY, backBelow: 0.7, calmWindows: 2 });
    window('event-loop', 0.95);
    window('event-loop', 0.95);
    await flush();
    expect(writer.place).toBe('thread');

    // 1,000 × 64 KiB sends/s on a VM: the loop at 0.64 with the commits taking 0.73 of each window on the thread.
    for (let index = 0; index < 10; index += 1) window('thread', 0.64, 730);
    await flush();
    expect(writer.place).toBe('thread');
    // The same loop with commits it can hold: 0.64 + 0.2 stays under toThreadAbove (0.9).
    window('thread', 0.64, 200);
    window('thread', 0.64, 200);
    await flush();
    expect(writer.place).toBe('event-loop');
    expect(moves.at(-1)?.window).toEqual({ place: 'thread', loopUtilization: 0.64, commitShare: 0.2 });
  });

  it('needs twice the calm windows to come back after a flip, and the policy’s count again once a load stayed put', async () => {
    const { writer, window } = harness();
    const saturate = async (): Promise<void> => {
      window('event-loop', 0.95);
      window('event-loop', 0.95);
      await flush();
    };
    const calmFor = async (windows: number): Promise<void> => {
      for (let index = 0; index < windows; index += 1) window('thread', 0.2);
      await flush();
    };
    await saturate();
    await calmFor(3);
    expect(writer.place).toBe('event-loop');
    // Back on the thread within 30 windows of the return: a flip.
    await saturate();
    await calmFor(5);
    expect(writer.place).toBe('thread');
    await calmFor(1);
    expect(writer.place).toBe('event-loop');
    await saturate();
    await calmFor(11);
    expect(writer.place).toBe('thread');
    await calmFor(1);
    expect(writer.place).toBe('event-loop');
    // A load that stayed on the event loop for 30 windows starts from the policy's count again.
    for (let index = 0; index < 30; index += 1) window('event-loop', 0.4);
    await saturate();
    await calmFor(3);
    expect(writer.place).toBe('event-loop');
  });

  it('tries a return after `trialWindows` quiet windows though the thread’s commit share forbids one, and keeps it once the loop bore the commits for 30 windows', async () => {
    const { writer, moves, window } = harness({ ...POLICY, backBelow: 0.7, hotWindows: 3, trialWindows: 6, trialHotWindows: 2 });
    for (let index = 0; index < 3; index += 1) window('event-loop', 0.95);
    await flush();
    // A soak on a busy host: the loop at 0.45, the thread's commits at 0.5 of each window (0.95 together).
    for (let index = 0; index < 5; index += 1) window('thread', 0.45, 500);
    window('thread', 0.75, 500); // one busy window: the quiet count starts again
    for (let index = 0; index < 5; index += 1) window('thread', 0.45, 500);
    await flush();
    expect(writer.place).toBe('thread');
    window('thread', 0.45, 500);
    await flush();
    expect(writer.place).toBe('event-loop');
    expect(moves.at(-1)).toEqual({ to: 'event-loop', window: { place: 'thread', loopUtilization: 0.45, commitShare: 0.5 }, reason: 'trial' });
    // A pair of saturated windows ends this trial, and the next one waits twice as long: 12 windows.
    window('event-loop', 0.95);
    window('event-loop', 0.95);
    await flush();
    expect(writer.place).toBe('thread');
    for (let index = 0; index < 11; index += 1) window('thread', 0.45, 500);
    await flush();
    expect(writer.place).toBe('thread');
    window('thread', 0.45, 500);
    await flush();
    expect(moves.at(-1)?.reason).toBe('trial');

    // Back on the loop at 0.8, with one saturated window that is no pair: the trial holds.
    for (let index = 0; index < 30; index += 1) window('event-loop', index === 10 ? 0.95 : 0.8);
    await flush();
    expect(writer.place).toBe('event-loop');
    // The trial is over: a pair of saturated windows no longer sends the writes back; the policy's three do.
    window('event-loop', 0.95);
    window('event-loop', 0.95);
    await flush();
    expect(writer.place).toBe('event-loop');
    window('event-loop', 0.95);
    await flush();
    expect(writer.place).toBe('thread');
    expect(moves.at(-1)?.reason).toBe('saturated');
    // The next trial waits the policy's six windows again, not the twelve of the failed one.
    for (let index = 0; index < 5; index += 1) window('thread', 0.45, 500);
    await flush();
    expect(writer.place).toBe('thread');
    window('thread', 0.45, 500);
    await flush();
    expect(writer.place).toBe('event-loop');
    expect(moves.at(-1)?.reason).toBe('trial');
  });

  it('takes a trial back after `trialHotWindows` saturated windows, doubling the next trial’s wait up to eight times, and counts no flip against the calm return', async () => {
    const { writer, moves, window } = harness({ ...POLICY, backBelow: 0.7, hotWindows: 5, trialWindows: 2, trialHotWindows: 2 });
    for (let index = 0; index < 5; index += 1) window('event-loop', 0.95);
    await flush();
    expect(writer.place).toBe('thread');
    const quietFor = async (windows: number): Promise<void> => {
      for (let index = 0; index < windows; index += 1) window('thread', 0.64, 730);
      await flush();
    };
    const failTrial = async (): Promise<void> => {
      window('event-loop', 0.97);
      window('event-loop', 0.98);
      await flush();
      expect(writer.place).toBe('thread');
    };
    // 1,000 × 64 KiB sends/s: every trial saturates the loop; the waits go 2, 4, 8, 16, then stay at 16.
    for (const wait of [2, 4, 8, 16, 16]) {
      await quietFor(wait - 1);
      expect(writer.place).toBe('thread');
      await quietFor(1);
      expect(writer.place).toBe('event-loop');
      await failTrial();
    }
    expect(moves.map((move) => move.reason)).toEqual(['saturated', ...Array.from({ length: 5 }, () => ['trial', 'saturated']).flat()]);
    // The calm return still needs only the policy's three windows: the failed trials were no flips.
    for (let index = 0; index < 3; index += 1) window('thread', 0.3, 100);
    await flush();
    expect(moves.at(-1)?.reason).toBe('calm');
  });

  it('measures whole windows: transactions inside one window add up, and a report closes it only once it is long enough', async () => {
    const { writer, moves, window } = harness({ ...POLICY, hotWindows: 1 });
    window('event-loop', 0.95, 100, 400);
    window('event-loop', 0.95, 100, 400);
    expect(writer.place).toBe('event-loop');
    window('event-loop', 0.95, 100, 400);
    await flush();
    expect(moves[0]?.window.commitShare).toBeCloseTo(300 / 1200);
  });

  it('never moves to a dead thread, and leaves one it is on: later writes go to the event loop', async () => {
    const { writer, eventLoop, thread, faults, window } = harness();
    thread.fault = new Error('the writer thread exited (code 1)');
    window('event-loop', 0.99);
    window('event-loop', 0.99);
    await flush();
    expect(writer.place).toBe('event-loop');

    thread.fault = undefined;
    window('event-loop', 0.99);
    window('event-loop', 0.99);
    await flush();
    expect(writer.place).toBe('thread');
    thread.fault = new Error('the writer thread exited (code 1)');
    void writer.run('ack', { deviceId: 'd1', envelopeIds: [9] });
    expect(writer.place).toBe('event-loop');
    expect(eventLoop.runs).toEqual(['ack {"deviceId":"d1","envelopeIds":[9]}']);
    expect(faults.map((fault) => fault.message)).toEqual(['the writer thread exited (code 1)']);
  });

  it('hands held writes to the event loop when the thread dies during the move to it', async () => {
    const { writer, eventLoop, thread, window } = harness();
    void writer.run('ack', { deviceId: 'd1', envelopeIds: [1] });
    window('event-loop', 0.99);
    window('event-loop', 0.99);
    void writer.run('ack', { deviceId: 'd1', envelopeIds: [2] });
    thread.fault = new Error('gone');
    eventLoop.commit();
    await flush();
    expect(writer.place).toBe('event-loop');
    expect(thread.runs).toEqual([]);
    expect(eventLoop.runs).toEqual(['ack {"deviceId":"d1","envelopeIds":[1]}', 'ack {"deviceId":"d1","envelopeIds":[2]}']);
  });

  it('drains a move under way and both sides, then closes both', async () => {
    const { writer, eventLoop, thread, window } = harness();
    void writer.run('ack', { deviceId: 'd1', envelopeIds: [1] });
    window('event-loop', 0.99);
    window('event-loop', 0.99);
    const held = writer.run('ack', { deviceId: 'd1', envelopeIds: [2] });
    const closed = writer.close();
    eventLoop.commit();
    await flush();
    thread.commit();
    await closed;
    expect(await held).toBe('thread:{"deviceId":"d1","envelopeIds":[2]}');
    expect(eventLoop.closed && thread.closed).toBe(true);
  });
});

describe('the adaptive writer on a SQLite file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('moves between the event loop’s connection and the thread’s under a steady stream of sends, losing and reordering none', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanctum-adaptive-'));
    const database: Database<MessagingTables> = openDatabase<MessagingTables>({ dataDir: dir, name: 'messaging' });
    await migrateToLatest(database.db as never, migrations);
    const raw = new RawSql('sqlite');
    const stores = {
      messages: new MessageStore(database.db, raw),
      queues: new QueueStore(database.db, raw),
      conversations: new ConversationStore(database.db, raw),
      replica: new ReplicaStore(database.db),
    };
    // Every window is saturated on the event loop and idle on the thread, so each window moves.
    let place: WriterPlace = 'event-loop';
    const reportTo: { adaptive?: AdaptiveWriter } = {};
    let now = 0;
    const ended = (side: WriterPlace) => (_size: number, busyMs: number) => {
      now += 1000;
      reportTo.adaptive?.report(side, busyMs);
    };
    const eventLoop = new InProcessWriter(new GroupCommitter(database.db, 'sqlite', { maxBatch: 64, sqlite: database.sqlite, onBatch: ended('event-loop') }), stores);
    const thread = await ThreadWriter.start({ file: database.file!, maxBatch: 64 }, { lazyDelayMs: 1, onBatch: ended('thread') });
    const moves: WriterPlace[] = [];
    const writer = new AdaptiveWriter(eventLoop, thread, {
      policy: { windowMs: 1000, toThreadAbove: 0.5, hotWindows: 1, backBelow: 0.5, calmWindows: 1, trialWindows: 1000, trialHotWindows: 1 },
      clock: () => now,
      loopMeter: () => (place === 'event-loop' ? 1 : 0),
      onMove: (to) => {
        place = to;
        moves.push(to);
      },
    });
    reportTo.adaptive = writer;
    try {
      await seedAliceAndBob(writer);
      const send = (index: number): StoreMessageArgs => aliceToBob(String(index), { queueMaxDepth: 10_000 });
      const stored: Promise<WriteResult<'storeMessage'>>[] = [];
      for (let index = 1; index <= 120; index += 1) {
        stored.push(writer.run('storeMessage', send(index)));
        if (index % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const results = await Promise.all(stored);
      expect(moves.filter((to) => to === 'thread').length).toBeGreaterThanOrEqual(3);
      expect(moves.filter((to) => to === 'event-loop').length).toBeGreaterThanOrEqual(3);
      // Issued in order, stored in order: seq follows the order of the calls across every move.
      expect(results.map((result) => result.message.seq)).toEqual(results.map((_, index) => index + 1));
      const rows = await stores.queues.listAfter('b1', 0, 500);
      expect(rows.map((row) => Buffer.from(row.ciphertext).toString())).toEqual(results.map((_, index) => `ciphertext ${String(index + 1)}`));
      // A retry after the moves meets the first copy (the send route then replays it) and stores nothing.
      const retry = await writer.run('storeMessage', send(7)).catch((error: unknown) => error);
      expect(isUniqueViolation(retry)).toBe(true);
      expect(await stores.queues.depthOf('b1')).toBe(120);
    } finally {
      await writer.close();
      await database.close();
    }
  });
});
