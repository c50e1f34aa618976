import { sql } from 'kysely';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { BlobAppender } from '../blobs/blob-appender.js';
import type { BlobReader } from '../blobs/blob-reader.js';
import { placeholders } from './raw-query.js';
import type { RawSql } from './raw-query.js';
import { execute, selectRows } from './sql-program.js';
import type { SqlProgram } from './sql-program.js';
import type { EnvelopeRow, MessagingTables } from './tables.js';

/** Where a ciphertext is stored is the store's business: callers see the bytes. */
type BlobColumns = 'blob_segment' | 'blob_offset' | 'blob_length';
export type StoredEnvelope = Omit<Selectable<EnvelopeRow>, BlobColumns>;
export type NewEnvelope = Omit<Insertable<EnvelopeRow>, BlobColumns>;

/** Large ciphertexts in segment files (SQLite files only; see BlobAppender). */
export interface QueueBlobs {
  /** The writer's appender, where this store appends envelopes. */
  readonly appender?: BlobAppender;
  /** Where this store reads envelopes. */
  readonly reader?: BlobReader;
  /** Ciphertexts of at least this many bytes go to a segment file. */
  readonly minBytes: number;
  /** Told of envelopes still queued whose segment file is missing (a copy of the database restored without its segment directory). */
  readonly onUnreadable?: (deviceId: string, envelopeIds: readonly number[]) => void;
}

/** Devices one retention step visits, so that many devices with queues never hold the write lock for long. */
const EXPIRE_DEVICES_PER_STEP = 200;

/** What one retention step did, and where the next one starts. */
export interface ExpireStep {
  readonly deleted: number;
  /** The last device fully handled; undefined once every device has been visited. */
  readonly resumeAfter: string | undefined;
}

/** Rows per INSERT statement, far below either engine's bound-parameter limit. */
const INSERT_CHUNK = 500;
const ENVELOPE_COLUMNS =
  'device_id, message_id, conversation_id, seq, sender_account_id, sender_device_id, client_message_id, sent_at, ciphertext, blob_segment, blob_offset, blob_length';
const ENVELOPE_ROW = `(${placeholders(12)})`;
const SELECT_ENVELOPES = `select envelope_id, ${ENVELOPE_COLUMNS} from envelopes where device_id = ? and envelope_id > ? order by envelope_id limit ?`;
const NO_BYTES = Buffer.alloc(0);

/** The per-device envelope queues: append, read in order, acknowledge, expire. */
export class QueueStore {
  constructor(
    private readonly db: Kysely<MessagingTables>,
    private readonly raw: RawSql,
    private readonly blobs: QueueBlobs = { minBytes: Infinity },
  ) {}

  /**
   * Appends envelopes and counts them into each device's queue depth; returns
   * them with their ids, in the order given. The depth update comes first so
   * that, on PostgreSQL, the device row is locked before the envelope id is
   * drawn.
   */
  *append(envelopes: readonly NewEnvelope[]): SqlProgram<StoredEnvelope[]> {
    if (envelopes.length === 0) return [];
    // One UPDATE per distinct count; a send addresses each device once, so usually exactly one.
    const perDevice = new Map<string, number>();
    for (const e of envelopes) perDevice.set(e.device_id, (perDevice.get(e.device_id) ?? 0) + 1);
    const byCount = new Map<number, string[]>();
    for (const [deviceId, count] of perDevice) {
      const group = byCount.get(count);
      if (group === undefined) byCount.set(count, [deviceId]);
      else group.push(deviceId);
    }
    for (const [count, deviceIds] of byCount) {
      yield* execute(`update devices set queue_depth = queue_depth + ? where device_id in (${placeholders(deviceIds.length)})`, [count, ...deviceIds]);
    }
    const stored: StoredEnvelope[] = [];
    const { appender, minBytes } = this.blobs;
    for (let start = 0; start < envelopes.length; start += INSERT_CHUNK) {
      const chunk = envelopes.slice(start, start + INSERT_CHUNK);
      const values: unknown[] = [];
      for (const e of chunk) {
        values.push(e.device_id, e.message_id, e.conversation_id, e.seq, e.sender_account_id, e.sender_device_id, e.client_message_id, e.sent_at);
        if (appender === undefined || e.ciphertext.byteLength < minBytes) values.push(e.ciphertext, null, null, null);
        else {
          const ref = appender.append(e.ciphertext);
          values.push(NO_BYTES, ref.segment, ref.offset, ref.length);
        }
      }
      // RETURNING promises no row order: ids are matched back by device.
      const ids = yield* selectRows<{ envelope_id: number; device_id: string }>(
        `insert into envelopes (${ENVELOPE_COLUMNS}) values ${Array(chunk.length).fill(ENVELOPE_ROW).join(', ')} returning envelope_id, device_id`,
        values,
      );
      stored.push(...matchIds(chunk, ids));
    }
    return stored;
  }

  /**
   * A device's envelopes with ids above `after`, in id (= commit) order, each
   * with its ciphertext. One acknowledged (or expired) while its ciphertext
   * was being read from its segment is left out: it is gone. One still queued
   * whose segment is missing cannot be delivered: it is left out too, and
   * reported (`onUnreadable`).
   */
  async listAfter(deviceId: string, after: number, limit: number): Promise<StoredEnvelope[]> {
    const rows = await this.raw.rows<Selectable<EnvelopeRow>>(this.db, SELECT_ENVELOPES, [deviceId, after, limit]);
    const inFiles = rows.filter((row) => row.blob_segment !== null);
    if (inFiles.length === 0) return rows;
    if (this.blobs.reader === undefined) throw new Error('envelopes refer to ciphertext segments, but this store has no reader');
    const bytes = this.blobs.reader.readAll(
      inFiles.map((row) => ({ segment: Number(row.blob_segment), offset: Number(row.blob_offset), length: Number(row.blob_length) })),
    );
    const gone = new Set<Selectable<EnvelopeRow>>();
    inFiles.forEach((row, index) => {
      const ciphertext = bytes[index];
      if (ciphertext === undefined) gone.add(row);
      else row.ciphertext = ciphertext;
    });
    if (gone.size === 0) return rows;
    const ids = [...gone].map((row) => row.envelope_id);
    const queued = await this.raw.rows<{ envelope_id: number }>(
      this.db,
      `select envelope_id from envelopes where envelope_id in (${placeholders(ids.length)})`,
      ids,
    );
    if (queued.length > 0) this.blobs.onUnreadable?.(deviceId, queued.map((row) => row.envelope_id));
    return rows.filter((row) => !gone.has(row));
  }

  /** Whether any envelope still keeps its ciphertext in this segment file (see BlobCollector). */
  async refersToSegment(segment: number): Promise<boolean> {
    const rows = await this.raw.rows(this.db, 'select 1 from envelopes where blob_segment = ? limit 1', [segment]);
    return rows.length > 0;
  }

  /**
   * Deletes the listed envelopes of this device (ids of other devices are
   * ignored) and returns the send time of each one deleted.
   */
  *ack(deviceId: string, envelopeIds: readonly number[]): SqlProgram<number[]> {
    if (envelopeIds.length === 0) return [];
    const deleted = yield* selectRows<{ sent_at: number }>(
      `delete from envelopes where device_id = ? and envelope_id in (${placeholders(envelopeIds.length)}) returning sent_at`,
      [deviceId, ...envelopeIds],
    );
    if (deleted.length > 0) yield* this.decrementDepth(deviceId, deleted.length);
    return deleted.map((row) => row.sent_at);
  }

  /**
   * One bounded step of retention: visits up to EXPIRE_DEVICES_PER_STEP
   * devices with a non-empty queue, after `afterDeviceId` in id order, and
   * deletes the envelopes sent before `cutoff` from the front of each queue,
   * at most `limit` in all. A queue is in send order, so its expired
   * envelopes are the ones before the first that is not (no index on send
   * time needed; an envelope a clock step put behind a newer one waits for
   * the next sweep). Call again with `resumeAfter` until it is undefined.
   */
  async expire(trx: Kysely<MessagingTables>, cutoff: number, limit: number, afterDeviceId = ''): Promise<ExpireStep> {
    const devices = await this.raw.rows<{ device_id: string }>(
      trx,
      'select device_id from devices where device_id > ? and queue_depth > 0 order by device_id limit ?',
      [afterDeviceId, EXPIRE_DEVICES_PER_STEP],
    );
    let deleted = 0;
    let resumeAfter = afterDeviceId;
    for (const { device_id: deviceId } of devices) {
      const budget = limit - deleted;
      const front = await this.raw.rows<{ envelope_id: number; sent_at: number }>(
        trx,
        'select envelope_id, sent_at from envelopes where device_id = ? order by envelope_id limit ?',
        [deviceId, budget],
      );
      const firstFresh = front.findIndex((row) => row.sent_at >= cutoff);
      const expired = firstFresh === -1 ? front : front.slice(0, firstFresh);
      if (expired.length > 0) {
        await this.raw.run(trx, `delete from envelopes where device_id = ? and envelope_id in (${placeholders(expired.length)})`, [
          deviceId,
          ...expired.map((row) => row.envelope_id),
        ]);
        await this.raw.program(trx, this.decrementDepth(deviceId, expired.length));
        deleted += expired.length;
      }
      // Out of budget with every row read expired, this device may hold more: the next step starts at it again.
      if (deleted === limit) return { deleted, resumeAfter: firstFresh === -1 ? resumeAfter : deviceId };
      resumeAfter = deviceId;
    }
    return { deleted, resumeAfter: devices.length < EXPIRE_DEVICES_PER_STEP ? undefined : resumeAfter };
  }

  private *decrementDepth(deviceId: string, count: number): SqlProgram<void> {
    yield* execute('update devices set queue_depth = queue_depth - ? where device_id = ?', [count, deviceId]);
  }

  async depthOf(deviceId: string): Promise<number> {
    const row = await this.db.selectFrom('devices').select('queue_depth').where('device_id', '=', deviceId).executeTakeFirst();
    return row === undefined ? 0 : row.queue_depth;
  }

  /** Total and deepest queue over all devices (sampled by /metrics). */
  async depthStats(): Promise<{ total: number; max: number }> {
    const row = await this.db
      .selectFrom('devices')
      .select([sql<number>`coalesce(sum(queue_depth), 0)`.as('total'), sql<number>`coalesce(max(queue_depth), 0)`.as('max')])
      .executeTakeFirstOrThrow();
    return { total: row.total, max: row.max };
  }
}

/**
 * Pairs inserted rows with the ids RETURNING gave them. Within one statement
 * ids grow in insertion order, so for each device the k-th smallest id
 * belongs to its k-th row, whatever order RETURNING lists them in.
 */
function matchIds(rows: readonly NewEnvelope[], ids: readonly { envelope_id: number; device_id: string }[]): StoredEnvelope[] {
  const byDevice = new Map<string, number[]>();
  for (const { envelope_id: id, device_id: deviceId } of ids) {
    const list = byDevice.get(deviceId);
    if (list === undefined) byDevice.set(deviceId, [id]);
    else list.push(id);
  }
  for (const list of byDevice.values()) list.sort((a, b) => a - b);
  return rows.map((row) => {
    const id = byDevice.get(row.device_id)?.shift();
    if (id === undefined) throw new Error('an inserted envelope has no id');
    return { ...row, envelope_id: id };
  });
}
