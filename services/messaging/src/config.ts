import { loadConfig, serviceConfigProperties, tokenVerificationConfigProperties } from '@sanctum/kernel';
import Type from 'typebox';
import type { Static } from 'typebox';
import { DEFAULT_ADAPTIVE_POLICY } from './writer/adaptive-writer.js';

/** 64 KiB of ciphertext plus 1 KiB of protocol overhead, measured on the decoded bytes. */
export const DEFAULT_MAX_CIPHERTEXT_BYTES = 65 * 1024;

/** Every setting of the Messaging service, read once at start (see docs/messaging.md). */
export const MessagingConfigSchema = Type.Object({
  ...serviceConfigProperties(4003),
  ...tokenVerificationConfigProperties(),
  // A group send carries one ciphertext per recipient device, so the body limit is far above one ciphertext.
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 8 * 1024 * 1024 }),
  /** Largest ciphertext for one device, in decoded bytes; larger → 413 MSG_PAYLOAD_TOO_LARGE. */
  MAX_CIPHERTEXT_BYTES: Type.Integer({ minimum: 16, default: DEFAULT_MAX_CIPHERTEXT_BYTES }),
  /** Most members a group conversation may have. */
  GROUP_MAX_MEMBERS: Type.Integer({ minimum: 2, maximum: 10_000, default: 100 }),
  /** Never-acknowledged envelopes (and idempotency records) older than this are deleted. */
  RETENTION_DAYS: Type.Number({ exclusiveMinimum: 0, default: 30 }),
  SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** Most envelopes waiting for one device; a send that would exceed it → 429 MSG_RECIPIENT_QUEUE_FULL. */
  QUEUE_MAX_DEPTH: Type.Integer({ minimum: 1, default: 10_000 }),
  /**
   * Admission control: most sends in the service at once (from their first
   * byte to their answer, or to their commit if the client has gone); past
   * it a send is answered 503 MSG_OVERLOADED with Retry-After, unread.
   */
  MAX_PENDING_SENDS: Type.Integer({ minimum: 1, default: 4096 }),
  /**
   * Admission control: most bytes of send bodies (by Content-Length) in the
   * service at once; a body without it counts as BODY_LIMIT_BYTES. 128 MiB is
   * about 1,450 sends of a 64 KiB ciphertext; at ~240 KB each while they wait
   * (body text, parsed copy, decoded bytes) about 350 MB.
   */
  MAX_PENDING_SEND_BYTES: Type.Integer({ minimum: 1024, default: 128 * 1024 * 1024 }),
  /** Sends per device per window (token bucket, shared through Redis when configured). */
  SEND_RATE_MAX: Type.Integer({ minimum: 1, default: 300 }),
  SEND_RATE_WINDOW_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** Envelopes pushed on one socket and not yet acknowledged, at most. */
  WS_WINDOW: Type.Integer({ minimum: 1, maximum: 10_000, default: 256 }),
  /** Pause pushing while this many bytes wait in a socket's send buffer. */
  WS_MAX_BUFFERED_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
  /** Ping interval; a peer that misses one pong is dropped. */
  WS_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  /**
   * SQLite files: a ciphertext of at least this many bytes is stored in an
   * append-only segment file beside the database instead of its envelope row
   * (see BlobAppender and docs/messaging.md, "Large ciphertexts"); above
   * MAX_CIPHERTEXT_BYTES, every ciphertext stays in SQLite.
   */
  BLOB_MIN_BYTES: Type.Integer({ minimum: 1, default: 16 * 1024 }),
  /** A segment file is sealed, and a new one begun, once it holds this many bytes. */
  BLOB_SEGMENT_BYTES: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
  /** How often sealed segment files no envelope refers to any more are deleted. */
  BLOB_COLLECT_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /** Most writes (sends, acks) committed together in one transaction (group commit). */
  GROUP_COMMIT_MAX: Type.Integer({ minimum: 1, maximum: 10_000, default: 512 }),
  /**
   * How long an acknowledgement may wait to share the next send's commit
   * instead of committing on its own; 0 = one timer turn (~1 ms). Acks that
   * commit alone do so without an fsync (see docs/messaging.md, "Acks commit
   * lazily"). 5 ms looked worse than 0 in the first 1000 × 64 KiB sends/s
   * runs (docs/benchmarks.md; later runs did not separate them).
   */
  ACK_COMMIT_DELAY_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 0 }),
  /**
   * The longest a send waits for others to share its commit (and fsync); it
   * waits only while sends arrive faster than that (see CommitWindow and
   * docs/messaging.md). 0 = every send commits at once.
   */
  SEND_COMMIT_WINDOW_MS: Type.Number({ minimum: 0, maximum: 100, default: 4 }),
  /** How many sends a commit aims to carry: the batch goes as soon as that many are in. 1 = never wait. */
  SEND_COMMIT_BATCH: Type.Integer({ minimum: 1, maximum: 10_000, default: 4 }),
  /**
   * Where a SQLite file's writes (and their fsyncs) run: `adaptive` on the
   * event loop until it saturates, then on a writer thread (see
   * AdaptiveWriter); `thread` always on the thread; `event-loop` never on it.
   * PostgreSQL and in-memory databases always write on the event loop.
   */
  WRITER_MODE: Type.Enum(['adaptive', 'thread', 'event-loop'], { default: 'adaptive' }),
  /** `adaptive`: the event loop's utilization (0–1, per second) above which, five seconds in a row, the writes move to the thread. */
  WRITER_THREAD_ABOVE: Type.Number({ minimum: 0, maximum: 1, default: DEFAULT_ADAPTIVE_POLICY.toThreadAbove }),
  /** `adaptive`: the loop's utilization, with the writes on the thread, below which (five seconds in a row) they come back. */
  WRITER_RETURN_BELOW: Type.Number({ minimum: 0, maximum: 1, default: DEFAULT_ADAPTIVE_POLICY.backBelow }),
});
export type MessagingConfig = Static<typeof MessagingConfigSchema>;

export function loadMessagingConfig(env: Record<string, string | undefined>): Readonly<MessagingConfig> {
  return loadConfig(MessagingConfigSchema, env);
}
