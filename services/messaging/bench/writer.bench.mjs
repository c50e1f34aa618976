/* global Buffer */
// Writer benchmark: CPU per send (store + its ack) through Messaging's group committer on a SQLite
// file (WAL, synchronous=FULL), with no HTTP, sockets or threads around it:
//   - "synchronous": batches of SQL programs answered from prepared statements, BEGIN to COMMIT
//     without a promise (what SQLite runs in production);
//   - "awaited": the same programs with every statement awaited through Kysely (what PostgreSQL runs,
//     and what SQLite ran before 2026-12-01).
// Each batch holds K sends plus the acks of the previous batch's envelopes, as at a steady rate.
// A second table compares ciphertexts kept in their SQLite rows with ciphertexts in segment files
// (BlobAppender), both synchronous, with the checkpoint worker running as in production.
// Usage: npm run bench:writer -w services/messaging [-- --sends=12000 --rounds=3 --batches=1,4,8 --sizes=1024,16384,65536]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '@sanctum/kernel';
import { BlobAppender } from '../dist/blobs/blob-appender.js';
import { migrations } from '../dist/migrations/index.js';
import { ConversationStore } from '../dist/store/conversation.store.js';
import { GroupCommitter } from '../dist/store/group-commit.js';
import { MessageStore } from '../dist/store/message.store.js';
import { QueueStore } from '../dist/store/queue.store.js';
import { RawSql } from '../dist/store/raw-query.js';
import { ReplicaStore } from '../dist/store/replica.store.js';
import { InProcessWriter } from '../dist/writer/writer.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const SENDS = Number(args.sends ?? 12_000);
const ROUNDS = Number(args.rounds ?? 3);
const BATCHES = (args.batches ?? '1,4,8').split(',').map(Number);
const SIZES = (args.sizes ?? '1024,16384,65536').split(',').map(Number);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/**
 * A fresh database file with one direct conversation between two single-device accounts.
 * `blobs` true: every ciphertext goes to a segment file, whatever its size (Messaging sends only
 * those of BLOB_MIN_BYTES or more there; these rows say where that bound belongs); false: every
 * ciphertext stays in its row; absent: the same, with checkpoints off, as in the first table.
 */
async function freshWriter(synchronous, blobs) {
  const dir = mkdtempSync(join(tmpdir(), 'sanctum-writer-bench-'));
  const file = join(dir, 'messaging.sqlite');
  const database = openDatabase({ url: `sqlite://${file}`, dataDir: dir, name: 'messaging', checkpoints: blobs !== undefined });
  await migrateToLatest(database.db, migrations);
  const setup = new SQLite(file);
  setup.exec(`insert into accounts values ('a1', null), ('a2', null);
    insert into devices values ('d1', 'a1', null, 0), ('d2', 'a2', null, 0);
    insert into conversations values ('c1', 'direct', 'a1 a2', null, 1, 0, 0);
    insert into members values ('c1', 'a1', 'member', 0), ('c1', 'a2', 'member', 0);`);
  setup.close();
  const { db } = database;
  const raw = new RawSql('sqlite');
  const appender = blobs === true ? new BlobAppender({ directory: join(dir, 'blobs'), segmentBytes: 64 * 1024 * 1024 }) : undefined;
  const committer = new GroupCommitter(db, 'sqlite', {
    maxBatch: 512,
    ...(synchronous ? { sqlite: database.sqlite } : {}),
    ...(appender === undefined ? {} : { hooks: appender }),
  });
  const writer = new InProcessWriter(committer, {
    messages: new MessageStore(db, raw),
    queues: new QueueStore(db, raw, appender === undefined ? undefined : { appender, minBytes: 1 }),
    conversations: new ConversationStore(db, raw),
    replica: new ReplicaStore(db),
  });
  const close = async () => {
    await writer.close();
    appender?.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { writer, close };
}

/** CPU µs per send (its store and its ack) at `batch` sends per transaction. */
async function measure(synchronous, batch, { blobs, size = 1024, sends = SENDS } = {}) {
  const { writer, close } = await freshWriter(synchronous, blobs);
  const ciphertext = Buffer.alloc(size, 7);
  let unacked = [];
  let n = 0;
  const oneBatch = async () => {
    const jobs = unacked.map((id) => writer.run('ack', { deviceId: 'd2', envelopeIds: [id] }));
    unacked = [];
    for (let k = 0; k < batch; k++) {
      n += 1;
      const args = { conversationId: 'c1', senderAccountId: 'a1', senderDeviceId: 'd1', clientMessageId: `m${n}`, deviceIds: ['d2'], ciphertexts: [ciphertext], sentAt: Date.now(), queueMaxDepth: 1e6 };
      jobs.push(writer.run('storeMessage', args).then((stored) => unacked.push(...stored.envelopeIds)));
    }
    await Promise.all(jobs);
  };
  for (let i = 0; i < Math.min(2_000, sends); i += batch) await oneBatch(); // warm-up: JIT, page cache
  const before = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < sends; i += batch) await oneBatch();
  const cpu = process.cpuUsage(before);
  const wallMs = performance.now() - started;
  await close();
  return { cpuUs: (cpu.user + cpu.system) / sends, systemUs: cpu.system / sends, wallUs: (wallMs * 1000) / sends };
}

console.log(`Writer bench: ${SENDS} sends per run, median of ${ROUNDS} rounds (CPU µs per send and its ack)`);
console.log('| sends per commit | synchronous (CPU / of it system) | awaited (CPU / of it system) | saved |');
console.log('|---|---|---|---|');
for (const batch of BATCHES) {
  const results = { synchronous: [], awaited: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating, so a machine that speeds up or slows down affects both alike.
    results.synchronous.push(await measure(true, batch));
    results.awaited.push(await measure(false, batch));
  }
  const cpu = (mode) => median(results[mode].map((r) => r.cpuUs));
  const system = (mode) => median(results[mode].map((r) => r.systemUs));
  const saved = 1 - cpu('synchronous') / cpu('awaited');
  console.log(
    `| ${batch} | ${cpu('synchronous').toFixed(0)} µs / ${system('synchronous').toFixed(0)} µs | ${cpu('awaited').toFixed(0)} µs / ${system('awaited').toFixed(0)} µs | ${(saved * 100).toFixed(0)}% |`,
  );
}

console.log('');
console.log(`Ciphertexts in their rows vs in segment files (synchronous, checkpoints on; CPU µs per send and its ack, of it system; median of ${ROUNDS} rounds)`);
console.log('| ciphertext | sends per commit | in the row | in a segment file | saved |');
console.log('|---|---|---|---|---|');
for (const size of SIZES) {
  // 64 KiB sends write 64 MB per thousand: fewer of them keep a round within seconds.
  const sends = size > 16 * 1024 ? Math.max(1_000, Math.floor(SENDS / 4)) : SENDS;
  for (const batch of BATCHES) {
    const results = { row: [], file: [] };
    for (let round = 0; round < ROUNDS; round++) {
      results.row.push(await measure(true, batch, { blobs: false, size, sends }));
      results.file.push(await measure(true, batch, { blobs: true, size, sends }));
    }
    const cpu = (where) => median(results[where].map((r) => r.cpuUs));
    const system = (where) => median(results[where].map((r) => r.systemUs));
    console.log(
      `| ${size} B | ${batch} | ${cpu('row').toFixed(0)} µs / ${system('row').toFixed(0)} µs | ${cpu('file').toFixed(0)} µs / ${system('file').toFixed(0)} µs | ${((1 - cpu('file') / cpu('row')) * 100).toFixed(0)}% |`,
    );
  }
}
