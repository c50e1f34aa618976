import { randomUUID } from 'node:crypto';
import { AuthEventsFollower, RevocationList, TokenVerifier, createServer, installAuthentication, openServiceResources } from '@sanctum/kernel';
import type { Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import type { JWTVerifyGetKey } from 'jose';
import { BlobAppender } from './blobs/blob-appender.js';
import { BlobCollector } from './blobs/blob-collector.js';
import { blobDirectoryOf } from './blobs/blob-files.js';
import { BlobReader } from './blobs/blob-reader.js';
import type { MessagingConfig } from './config.js';
import { ConversationService } from './domain/conversation.service.js';
import { QueueService } from './domain/queue.service.js';
import { RetentionSweeper } from './domain/retention.sweeper.js';
import { SendService } from './domain/send.service.js';
import { MessagingMetrics } from './metrics/messaging.metrics.js';
import { migrations } from './migrations/index.js';
import { SocketGateway } from './realtime/socket.gateway.js';
import { registerSocketRoutes } from './realtime/socket.routes.js';
import { registerConversationRoutes } from './routes/conversation.routes.js';
import { registerMessageRoutes } from './routes/message.routes.js';
import { registerQueueRoutes } from './routes/queue.routes.js';
import { SendAdmission } from './routes/send-admission.js';
import { ConversationStore } from './store/conversation.store.js';
import { GroupCommitter } from './store/group-commit.js';
import { MessageStore } from './store/message.store.js';
import { QueueStore } from './store/queue.store.js';
import { RawSql } from './store/raw-query.js';
import { ReplicaStore } from './store/replica.store.js';
import type { MessagingTables } from './store/tables.js';
import { AdaptiveWriter, DEFAULT_ADAPTIVE_POLICY } from './writer/adaptive-writer.js';
import type { MoveReason, WriterPlace, WriterWindow } from './writer/adaptive-writer.js';
import { ThreadWriter } from './writer/thread-writer.js';
import { InProcessWriter } from './writer/writer.js';
import type { WriteStores } from './writer/write-operations.js';
import type { Writer } from './writer/writer.js';

export interface MessagingDeps {
  config: Readonly<MessagingConfig>;
  /** Tests pass false to keep output quiet. */
  logger?: boolean;
  database?: Database<MessagingTables>;
  bus?: NotificationBus;
  /** Verify tokens against these keys instead of Auth's JWKS (tests). */
  keySet?: JWTVerifyGetKey;
  /** Follow Auth's event feed (default true); tests without an Auth stand-in turn it off. */
  followAuthEvents?: boolean;
  /** Run the retention sweeper on its interval (default true). */
  runSweeper?: boolean;
  /** Milliseconds since the epoch (tests pass a fixed clock). */
  clock?: () => number;
}

/** What tests and the benchmark reach into: the background parts of the running service. */
export interface MessagingRuntime {
  readonly follower: AuthEventsFollower;
  readonly sweeper: RetentionSweeper;
  readonly gateway: SocketGateway;
  readonly writer: Writer;
  readonly queues: QueueStore;
  readonly messages: MessageStore;
  readonly replica: ReplicaStore;
  readonly admission: SendAdmission;
  /** Deletes ciphertext segment files no envelope needs (SQLite files only). */
  readonly collector: BlobCollector | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    messaging: MessagingRuntime;
  }
}

/** Longest access-token lifetime Auth may issue; bounds how long a revocation is remembered. */
const MAX_TOKEN_TTL_S = 3600;
const DAY_MS = 86_400_000;

/** Builds the Messaging service without listening (tests call `app.inject`). */
export async function buildApp(deps: MessagingDeps): Promise<SanctumApp> {
  const { config } = deps;
  const clock = deps.clock ?? Date.now;
  const resources = await openServiceResources<MessagingTables>({
    config,
    name: 'messaging',
    migrations,
    database: deps.database,
    bus: deps.bus,
  });
  const { db, engine } = resources.database;
  const raw = new RawSql(engine);
  const blobs = ciphertextFiles(resources.database, config);
  // Bound to the log and metrics once those exist.
  let reportUnreadable: (deviceId: string, envelopeIds: readonly number[]) => void = () => undefined;
  const queues = new QueueStore(
    db,
    raw,
    blobs === undefined
      ? undefined
      : {
          appender: blobs.appender,
          reader: blobs.reader,
          minBytes: config.BLOB_MIN_BYTES,
          onUnreadable: (deviceId, envelopeIds) => {
            reportUnreadable(deviceId, envelopeIds);
          },
        },
  );
  const messages = new MessageStore(db, raw);
  const replica = new ReplicaStore(db);
  const conversationStore = new ConversationStore(db, raw);
  // Filled in once the server and its metrics exist.
  const writerEvents: WriterEvents = { batch: () => undefined, moved: () => undefined, window: () => undefined, threadFault: () => undefined };
  const writer = await openWriter(resources.database, config, { messages, queues, conversations: conversationStore, replica }, writerEvents, blobs);
  if (writer instanceof ThreadWriter) {
    resources.readyChecks.writer = async () => {
      if (writer.fault !== undefined) throw writer.fault;
    };
  }
  const app = await createServer({
    service: 'messaging',
    description: 'Conversations, durable per-device queues and real-time delivery',
    config,
    readyChecks: resources.readyChecks,
    redis: resources.redis,
    bearerAuth: true,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  }).catch(async (error: unknown) => {
    // A started writer thread would keep the process alive after a failed start.
    await writer.close();
    throw error;
  });
  const revocations = new RevocationList(MAX_TOKEN_TTL_S);
  const verifier = new TokenVerifier({
    ...(deps.keySet === undefined ? { jwksUrl: new URL('/.well-known/jwks.json', config.AUTH_URL).href } : { keySet: deps.keySet }),
    issuer: config.TOKEN_ISSUER,
    audience: config.TOKEN_AUDIENCE,
    revocations,
  });
  installAuthentication(app, verifier);

  const admission = new SendAdmission(
    { maxPending: config.MAX_PENDING_SENDS, maxPendingBytes: config.MAX_PENDING_SEND_BYTES, bodyLimitBytes: config.BODY_LIMIT_BYTES },
    {
      shed: () => {
        metrics.sendsShed.inc();
      },
      shedding: (shedding, shedMeanwhile) => {
        if (shedding) app.log.warn({ pending: admission.pending, pendingBytes: admission.pendingBytes }, 'overloaded: shedding sends with 503');
        else app.log.warn({ shed: shedMeanwhile }, 'admitting sends again');
      },
    },
  );
  const metrics = new MessagingMetrics(
    app.metrics,
    () => queues.depthStats(),
    () => ({ count: admission.pending, bytes: admission.pendingBytes }),
  );
  reportUnreadable = (deviceId, envelopeIds) => {
    metrics.envelopesUnreadable.inc(envelopeIds.length);
    app.log.warn({ deviceId, envelopeIds }, 'queued envelopes skipped: their ciphertext segment file is missing');
  };
  writerEvents.batch = (place, size, busyMs) => {
    metrics.commitBatch.observe(size);
    metrics.commitSeconds.inc({ place }, busyMs / 1000);
  };
  writerEvents.moved = (to, window, reason) => {
    metrics.writerMoves.inc({ to });
    app.log.info({ to, reason, ...roundedWindow(window) }, 'writes moved');
  };
  writerEvents.window = (window) => {
    app.log.debug(roundedWindow(window), 'writer window');
  };
  writerEvents.threadFault = (error) => {
    app.log.error({ err: error }, 'the writer thread died; writes stay on the event loop');
  };
  const queueService = new QueueService(queues, writer, metrics, clock);
  const gateway = new SocketGateway({
    bus: resources.bus,
    instanceId: randomUUID(),
    metrics,
    revocations,
    logger: app.log,
    connection: {
      queues,
      queueService,
      metrics,
      window: config.WS_WINDOW,
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      heartbeatMs: config.WS_HEARTBEAT_MS,
      clock,
      logger: app.log,
    },
  });
  const conversations = new ConversationService({ db, writer, conversations: conversationStore, replica, groupMaxMembers: config.GROUP_MAX_MEMBERS, clock });
  const sends = new SendService({
    writer,
    messages,
    maxCiphertextBytes: config.MAX_CIPHERTEXT_BYTES,
    queueMaxDepth: config.QUEUE_MAX_DEPTH,
    clock,
    onStored: (envelopes) => {
      metrics.envelopesStored.inc(envelopes.length);
      gateway.stored(envelopes);
    },
  });
  const follower = new AuthEventsFollower({
    authUrl: config.AUTH_URL,
    internalToken: config.SANCTUM_INTERNAL_TOKEN,
    loadCursor: () => replica.loadCursor(),
    applyBatch: async (events, cursor) => {
      const effects = await writer.run('applyAuthEvents', { events, cursor });
      gateway.revoke(effects, Math.floor(clock() / 1000));
    },
    revocations,
    logger: app.log,
  });
  const sweeper = new RetentionSweeper({
    writer,
    retentionMs: config.RETENTION_DAYS * DAY_MS,
    intervalMs: config.SWEEP_INTERVAL_MS,
    clock,
    logger: app.log,
  });
  const collector =
    blobs === undefined
      ? undefined
      : new BlobCollector({
          directory: blobs.directory,
          isReferenced: (segment) => queues.refersToSegment(segment),
          intervalMs: config.BLOB_COLLECT_INTERVAL_MS,
          logger: app.log,
          onPass: (pass) => {
            metrics.blobSegmentsDeleted.inc(pass.deleted);
            metrics.blobSegments.set({ stat: 'files' }, pass.files);
            metrics.blobSegments.set({ stat: 'bytes' }, pass.bytes);
          },
        });
  app.decorate('messaging', { follower, sweeper, gateway, writer, queues, messages, replica, admission, collector });

  await registerSocketRoutes(app, verifier, gateway);
  registerConversationRoutes(app, conversations);
  registerMessageRoutes(app, sends, conversations, metrics, { max: config.SEND_RATE_MAX, windowMs: config.SEND_RATE_WINDOW_MS }, admission);
  registerQueueRoutes(app, queueService);

  if (deps.followAuthEvents !== false) follower.start();
  if (deps.runSweeper !== false) {
    sweeper.start();
    collector?.start();
  }
  app.addHook('onClose', async () => {
    // Stop producing work, let every accepted write commit, then close the database.
    await follower.stop();
    await sweeper.stop();
    await collector?.stop();
    await gateway.close();
    await writer.close();
    blobs?.appender.close();
    await resources.close();
  });
  return app;
}

/** Large ciphertexts in segment files beside a SQLite file: the event loop's appender, and the reader. */
interface CiphertextFiles {
  readonly directory: string;
  readonly appender: BlobAppender;
  readonly reader: BlobReader;
}

/** Segment files exist only beside a SQLite file; PostgreSQL and in-memory databases keep every ciphertext in their rows. */
function ciphertextFiles(database: Database<MessagingTables>, config: Readonly<MessagingConfig>): CiphertextFiles | undefined {
  if (database.engine !== 'sqlite' || database.file === undefined || config.BLOB_MIN_BYTES > config.MAX_CIPHERTEXT_BYTES) return undefined;
  const directory = blobDirectoryOf(database.file);
  return { directory, appender: new BlobAppender({ directory, segmentBytes: config.BLOB_SEGMENT_BYTES }), reader: new BlobReader(directory) };
}

/** What the writers tell the rest of the service (metrics and logs, bound once those exist). */
interface WriterEvents {
  batch: (place: WriterPlace, size: number, busyMs: number) => void;
  moved: (to: WriterPlace, window: WriterWindow, reason: MoveReason) => void;
  window: (window: WriterWindow) => void;
  threadFault: (error: Error) => void;
}

/**
 * Where the writes run (WRITER_MODE): for a SQLite file, the adaptive writer
 * (the event loop's committer and the writer thread), the thread alone, or
 * the event loop alone; the event loop's group committer for every other
 * database.
 */
async function openWriter(
  database: Database<MessagingTables>,
  config: Readonly<MessagingConfig>,
  stores: WriteStores,
  events: WriterEvents,
  blobs: CiphertextFiles | undefined,
): Promise<Writer> {
  // The same batching everywhere: acks wait for a send, sends for each other.
  const batching = {
    lazyDelayMs: config.ACK_COMMIT_DELAY_MS,
    commitWindow: { maxHoldMs: config.SEND_COMMIT_WINDOW_MS, batch: config.SEND_COMMIT_BATCH },
  };
  // Each committer reports its transactions to the adaptive writer, which can exist only after both.
  const reportTo: { adaptive?: AdaptiveWriter } = {};
  const ended = (place: WriterPlace) => (size: number, busyMs: number) => {
    events.batch(place, size, busyMs);
    reportTo.adaptive?.report(place, busyMs);
  };
  const eventLoop = new InProcessWriter(
    new GroupCommitter(database.db, database.engine, {
      maxBatch: config.GROUP_COMMIT_MAX,
      ...batching,
      sqlite: database.sqlite,
      onBatch: ended('event-loop'),
      ...(blobs === undefined ? {} : { hooks: blobs.appender }),
    }),
    stores,
  );
  if (database.engine !== 'sqlite' || database.file === undefined || config.WRITER_MODE === 'event-loop') return eventLoop;
  const threadBlobs = blobs === undefined ? {} : { blobs: { directory: blobs.directory, minBytes: config.BLOB_MIN_BYTES, segmentBytes: config.BLOB_SEGMENT_BYTES } };
  const thread = await ThreadWriter.start({ file: database.file, maxBatch: config.GROUP_COMMIT_MAX, ...threadBlobs }, { ...batching, onBatch: ended('thread') });
  if (config.WRITER_MODE === 'thread') return thread;
  const adaptive = new AdaptiveWriter(eventLoop, thread, {
    policy: { ...DEFAULT_ADAPTIVE_POLICY, toThreadAbove: config.WRITER_THREAD_ABOVE, backBelow: config.WRITER_RETURN_BELOW },
    onMove: (to, window, reason) => {
      events.moved(to, window, reason);
    },
    onWindow: (window) => {
      events.window(window);
    },
    onThreadFault: (error) => {
      events.threadFault(error);
    },
  });
  reportTo.adaptive = adaptive;
  return adaptive;
}

function roundedWindow(window: WriterWindow): WriterWindow {
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return { place: window.place, loopUtilization: round(window.loopUtilization), commitShare: round(window.commitShare) };
}
