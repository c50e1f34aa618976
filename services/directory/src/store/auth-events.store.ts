import type { AuthEvent } from '@sanctum/kernel';
import type { Kysely, Transaction } from 'kysely';
import { decodeBase64Url } from '../domain/binary.codec.js';
import type { DirectoryTables } from './tables.js';

/** The row in follower_state that holds how far Auth's feed has been applied. */
const FOLLOWER_NAME = 'auth-events';

/** Something to say about an event that was skipped (logged by the caller). */
export interface SkippedEvent {
  seq: number;
  reason: string;
}

/**
 * Applies Auth's events to the Directory: the devices replica and the
 * deletion of everything an account or device leaves behind. Each batch and
 * the cursor commit together; every handler is idempotent, since a crash
 * between Auth's answer and the commit replays the batch.
 */
export class AuthEventsStore {
  constructor(private readonly db: Kysely<DirectoryTables>) {}

  async loadCursor(): Promise<number> {
    const row = await this.db.selectFrom('follower_state').select('cursor').where('name', '=', FOLLOWER_NAME).executeTakeFirst();
    return row?.cursor ?? 0;
  }

  async applyBatch(events: readonly AuthEvent[], cursor: number): Promise<SkippedEvent[]> {
    return this.db.transaction().execute(async (trx) => {
      const skipped: SkippedEvent[] = [];
      for (const event of events) {
        const reason = await applyEvent(trx, event);
        if (reason !== undefined) skipped.push({ seq: event.seq, reason });
      }
      await trx
        .insertInto('follower_state')
        .values({ name: FOLLOWER_NAME, cursor })
        .onConflict((oc) => oc.column('name').doUpdateSet({ cursor }))
        .execute();
      return skipped;
    });
  }
}

/** Returns why the event was skipped, or undefined when it was applied (or needs nothing here). */
async function applyEvent(trx: Transaction<DirectoryTables>, event: AuthEvent): Promise<string | undefined> {
  switch (event.type) {
    case 'device.added':
      return addDevice(trx, event);
    case 'device.removed':
      if (event.deviceId === undefined) return 'device.removed without deviceId';
      await removeDevice(trx, event.deviceId, event.occurredAt);
      return undefined;
    case 'account.deleted':
      await deleteAccount(trx, event.accountId, event.occurredAt);
      return undefined;
    default:
      // account.created and session.revoked change nothing in the Directory.
      return undefined;
  }
}

async function addDevice(trx: Transaction<DirectoryTables>, event: AuthEvent): Promise<string | undefined> {
  const identityKey = event.identityKey === undefined ? null : decodeBase64Url(event.identityKey);
  if (event.deviceId === undefined || identityKey?.length !== 32) return 'device.added without deviceId or a 32-byte identityKey';
  // Ids are never reused, so an existing row (active or removed) means this is a replay: keep it as it is.
  await trx
    .insertInto('devices')
    .values({
      device_id: event.deviceId,
      account_id: event.accountId,
      identity_key: identityKey,
      created_at: event.occurredAt,
      removed_at: null,
    })
    .onConflict((oc) => oc.column('device_id').doNothing())
    .execute();
  return undefined;
}

async function removeDevice(trx: Transaction<DirectoryTables>, deviceId: string, at: number): Promise<void> {
  // Mark first: on PostgreSQL this waits for a key upload holding the device row, so the deletes below see its keys.
  await trx.updateTable('devices').set({ removed_at: at }).where('device_id', '=', deviceId).where('removed_at', 'is', null).execute();
  await trx.deleteFrom('signed_prekeys').where('device_id', '=', deviceId).execute();
  await trx.deleteFrom('one_time_prekeys').where('device_id', '=', deviceId).execute();
}

async function deleteAccount(trx: Transaction<DirectoryTables>, accountId: string, at: number): Promise<void> {
  const devices = await trx.selectFrom('devices').select('device_id').where('account_id', '=', accountId).execute();
  for (const { device_id } of devices) await removeDevice(trx, device_id, at);
  await trx.deleteFrom('devices').where('account_id', '=', accountId).execute();
  await trx.deleteFrom('handles').where('account_id', '=', accountId).execute();
  await trx.deleteFrom('profiles').where('account_id', '=', accountId).execute();
}
