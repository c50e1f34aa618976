import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/**
 * Where a large ciphertext is when it is not in its envelope row: a segment
 * file, an offset and a length (see BlobAppender). The partial index answers
 * "does any envelope still refer to this segment?" for the collector without
 * costing the many inline envelopes anything.
 */
export const envelopeBlobs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('envelopes').addColumn('blob_segment', 'bigint').execute();
    await db.schema.alterTable('envelopes').addColumn('blob_offset', 'bigint').execute();
    await db.schema.alterTable('envelopes').addColumn('blob_length', 'integer').execute();
    await db.schema
      .createIndex('envelopes_by_blob_segment')
      .on('envelopes')
      .column('blob_segment')
      .where(sql.ref('blob_segment'), 'is not', null)
      .execute();
  },
};
