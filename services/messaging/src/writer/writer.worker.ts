// The writer thread's program (see ThreadWriter): it owns Messaging's one
// SQLite write connection and runs the named write operations posted to it,
// group-committed, answering each batch in one message.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '@sanctum/kernel/core';
import { BlobAppender } from '../blobs/blob-appender.js';
import { ConversationStore } from '../store/conversation.store.js';
import { GroupCommitter } from '../store/group-commit.js';
import { MessageStore } from '../store/message.store.js';
import { QueueStore } from '../store/queue.store.js';
import { RawSql } from '../store/raw-query.js';
import { ReplicaStore } from '../store/replica.store.js';
import type { MessagingTables } from '../store/tables.js';
import { packError } from './error-transport.js';
import type { EndedBatch, FromWriterThread, ToWriterThread, WriterJobResult, WriterThreadData } from './thread-writer.js';
import type { WriteArgs, WriteOperationName } from './write-operations.js';
import { InProcessWriter } from './writer.js';

if (parentPort === null) throw new Error('writer.worker runs only as a worker thread');
const port = parentPort;
const { file, maxBatch, blobs } = workerData as WriterThreadData;

// The event loop's connection already runs the checkpoints for this file.
const database = openDatabase<MessagingTables>({ url: `sqlite://${file}`, dataDir: '', name: 'messaging', checkpoints: false });
const { db } = database;
const raw = new RawSql('sqlite');
const batches: EndedBatch[] = [];
// This thread's own segment file: two writers never append to one.
const appender = blobs === undefined ? undefined : new BlobAppender({ directory: blobs.directory, segmentBytes: blobs.segmentBytes });
// No lazyDelayMs: the event loop side already held lazy jobs back (see ThreadWriter), so here they
// start a transaction like any other job and only decide whether it commits lazily.
const committer = new GroupCommitter(db, 'sqlite', {
  maxBatch,
  onBatch: (size, busyMs) => batches.push({ size, busyMs }),
  sqlite: database.sqlite,
  ...(appender === undefined ? {} : { hooks: appender }),
});
const writer = new InProcessWriter(committer, {
  messages: new MessageStore(db, raw),
  queues: new QueueStore(db, raw, { ...(appender === undefined ? {} : { appender }), minBytes: blobs?.minBytes ?? Infinity }),
  conversations: new ConversationStore(db, raw),
  replica: new ReplicaStore(db),
});

let results: WriterJobResult[] = [];
let replyScheduled = false;

/** Collects a result; everything settled in this turn (one committed batch) goes back in one message. */
function reply(result: WriterJobResult): void {
  results.push(result);
  if (replyScheduled) return;
  replyScheduled = true;
  setImmediate(() => {
    replyScheduled = false;
    const message: FromWriterThread = { type: 'done', results, batches: batches.splice(0) };
    results = [];
    port.postMessage(message);
  });
}

port.on('message', (message: ToWriterThread) => {
  if (message.type === 'close') {
    void writer
      .close()
      .then(() => {
        appender?.close();
      })
      .then(() => database.close())
      .then(() => { port.postMessage({ type: 'closed' } satisfies FromWriterThread); });
    return;
  }
  for (const job of message.jobs) {
    writer.run(job.name, job.args as WriteArgs<WriteOperationName>).then(
      (value) => { reply({ id: job.id, ok: true, value }); },
      (error: unknown) => { reply({ id: job.id, ok: false, error: packError(error) }); },
    );
  }
});

port.postMessage({ type: 'ready' } satisfies FromWriterThread);
