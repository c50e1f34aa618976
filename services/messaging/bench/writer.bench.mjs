/* global Buffer */
// Writer benchmark: CPU per send (store + its ack) through Messaging's group committer on a SQLite
// file (WAL, synchronous=FULL), with no HTTP, sockets or threads around it:
//   - "synchronous": batches of SQL programs answered from prepared statements, BEGIN to COMMIT
//     without a promise (what SQLite runs in production);
//   - "awaited": the same programs with every statement awaited through Kysely (what PostgreSQL runs,
//     and what SQLite ran before 2026-12-01).
// Each batch holds K sends plus the acks of the previous batch's envelopes, as at a steady rate.
// Usage: npm run bench:writer -w services/messaging [-- --sends=12000 --rounds=3 --batches=1,4,8]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '@sanctum/kernel';
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
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ciphertext = Buffer.alloc(1024, 7);

/** A fresh database file with one direct conversation between two single-device accounts. */
async function freshWriter(synchronous) {
  const dir = mkdtempSync(join(tmpdir(), 'sanctum-writer-bench-'));
  const file = join(dir, 'messaging.sqlite');
  const database = openDatabase({ url: `sqlite://${file}`, dataDir: dir, name: 'messaging', checkpoints: false });
  await migrateToLatest(database.db, migrations);
  const setup = new SQLite(file);
  setup.exec(`insert into accounts values ('a1', null), ('a2', null);
    insert into devices values ('d1', 'a1', null, 0), ('d2', 'a2', null, 0);
    insert into conversations values ('c1', 'direct', 'a1 a2', null, 1, 0, 0);
    insert into members values ('c1', 'a1', 'member', 0), ('c1', 'a2', 'member', 0);`);
  setup.close();
  const { db } = database;
  const raw = new RawSql('sqlite');
  const committer = new GroupCommitter(db, 'sqlite', { maxBatch: 512, ...(synchronous ? { sqlite: database.sqlite } : {}) });
  const writer = new InProcessWriter(committer, {
    messages: new MessageStore(db, raw),
    queues: new QueueStore(db, raw),
    conversations: new ConversationStore(db, raw),
    replica: new ReplicaStore(db),
  });
  const close = async () => {
    await writer.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { writer, close };
}

/** CPU µs per send (its store and its ack) at `batch` sends per transaction. */
async function measure(synchronous, batch) {
  const { writer, close } = await freshWriter(synchronous);
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
  for (let i = 0; i < 2_000; i += batch) await oneBatch(); // warm-up: JIT, page cache
  const before = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < SENDS; i += batch) await oneBatch();
  const cpu = process.cpuUsage(before);
  const wallMs = performance.now() - started;
  await close();
  return { cpuUs: (cpu.user + cpu.system) / SENDS, systemUs: cpu.system / SENDS, wallUs: (wallMs * 1000) / SENDS };
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
