import type { Migration } from 'kysely';
import { messagingSchema } from './2026-11-30-001-messaging.js';
import { leanSendIndexes } from './2026-11-30-002-lean-send-indexes.js';
import { envelopeBlobs } from './2026-12-02-001-envelope-blobs.js';

/** Every migration of the Messaging service, by dated name; applied in name order, never edited once landed. */
export const migrations: Record<string, Migration> = {
  '2026-11-30-001-messaging': messagingSchema,
  '2026-11-30-002-lean-send-indexes': leanSendIndexes,
  '2026-12-02-001-envelope-blobs': envelopeBlobs,
};
