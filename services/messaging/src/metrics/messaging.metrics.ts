import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The Messaging service's own Prometheus metrics, on the app's registry (`app.metrics`). */
export class MessagingMetrics {
  readonly sends: Counter<'result'>;
  readonly envelopesStored: Counter;
  readonly deliveries: Counter<'via'>;
  readonly acks: Counter;
  readonly deliveryLatency: Histogram;
  readonly openSockets: Gauge;
  readonly commitBatch: Histogram;
  readonly commitSeconds: Counter<'place'>;
  readonly writerMoves: Counter<'to'>;
  readonly sendsShed: Counter;
  readonly blobSegments: Gauge<'stat'>;
  readonly blobSegmentsDeleted: Counter;
  readonly envelopesUnreadable: Counter;

  constructor(
    registry: Registry,
    depthStats: () => Promise<{ total: number; max: number }>,
    pendingSends: () => { count: number; bytes: number },
  ) {
    const registers = [registry];
    this.sends = new Counter({
      name: 'messaging_sends_total',
      help: 'Sends answered 2xx: stored (new) or replayed (a retry of a stored send)',
      labelNames: ['result'] as const,
      registers,
    });
    this.envelopesStored = new Counter({ name: 'messaging_envelopes_stored_total', help: 'Envelopes committed to device queues', registers });
    this.deliveries = new Counter({
      name: 'messaging_deliveries_total',
      help: 'Envelopes handed to a device, over a socket or by a poll (redeliveries included)',
      labelNames: ['via'] as const,
      registers,
    });
    this.acks = new Counter({ name: 'messaging_acks_total', help: 'Envelopes acknowledged and deleted', registers });
    this.deliveryLatency = new Histogram({
      name: 'messaging_delivery_latency_seconds',
      help: 'From an envelope being stored to its device acknowledging it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600],
      registers,
    });
    this.openSockets = new Gauge({ name: 'messaging_open_sockets', help: 'Device WebSockets open on this instance', registers });
    this.commitBatch = new Histogram({
      name: 'messaging_commit_batch_size',
      help: 'Writes committed together in one transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    });
    this.commitSeconds = new Counter({
      name: 'messaging_commit_seconds_total',
      help: 'Time spent in write transactions, BEGIN to COMMIT, by where they ran (event-loop, thread)',
      labelNames: ['place'] as const,
      registers,
    });
    this.writerMoves = new Counter({
      name: 'messaging_writer_moves_total',
      help: 'Moves of the writes between the event loop and the writer thread (WRITER_MODE=adaptive), by destination',
      labelNames: ['to'] as const,
      registers,
    });
    this.sendsShed = new Counter({
      name: 'messaging_sends_shed_total',
      help: 'Sends refused with 503 MSG_OVERLOADED by admission control (too many sends waiting to be stored)',
      registers,
    });
    this.blobSegments = new Gauge({
      name: 'messaging_blob_segments',
      help: 'Segment files of large ciphertexts beside the SQLite file, as of the last collection: their count (files) and size (bytes)',
      labelNames: ['stat'] as const,
      registers,
    });
    this.blobSegmentsDeleted = new Counter({
      name: 'messaging_blob_segments_deleted_total',
      help: 'Segment files deleted because no envelope referred to them any more',
      registers,
    });
    this.envelopesUnreadable = new Counter({
      name: 'messaging_envelopes_unreadable_total',
      help: 'Queue reads that skipped a queued envelope because its ciphertext’s segment file is missing (a database copied without its segment directory)',
      registers,
    });
    new Gauge({
      name: 'messaging_pending_sends',
      help: 'Sends admitted and not yet answered (sampled at scrape): their count and the bytes of their bodies',
      labelNames: ['stat'] as const,
      registers,
      collect() {
        const pending = pendingSends();
        this.set({ stat: 'count' }, pending.count);
        this.set({ stat: 'bytes' }, pending.bytes);
      },
    });
    new Gauge({
      name: 'messaging_queue_depth',
      help: 'Envelopes waiting in device queues (sampled at scrape): total and the deepest queue',
      labelNames: ['stat'] as const,
      registers,
      async collect() {
        const stats = await depthStats();
        this.set({ stat: 'total' }, stats.total);
        this.set({ stat: 'max' }, stats.max);
      },
    });
  }

  /** Records acknowledgements of envelopes stored at `sentAts` (ms). */
  acked(sentAts: readonly number[], now: number): void {
    if (sentAts.length === 0) return;
    this.acks.inc(sentAts.length);
    for (const sentAt of sentAts) this.deliveryLatency.observe(Math.max(0, now - sentAt) / 1000);
  }
}
