import type { AuthEvent } from '@sanctum/kernel';
import type { Kysely } from 'kysely';
import type { MessagingTables } from './tables.js';

const CURSOR_NAME = 'auth-events';

/** What applying an event means for open sockets, decided after the transaction commits. */
export type ReplicaEffect =
  | { kind: 'device'; deviceId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'account'; accountId: string };

/**
 * Messaging's own replica of Auth's accounts and devices, fed by the Auth event
 * feed. Every write here is idempotent: a crash replays at most one batch.
 */
export class ReplicaStore {
  constructor(private readonly db: Kysely<MessagingTables>) {}

  async loadCursor(): Promise<number> {
    const row = await this.db.selectFrom('follower_cursor').select('position').where('name', '=', CURSOR_NAME).executeTakeFirst();
    return row === undefined ? 0 : row.position;
  }

  /** Applies a batch and moves the cursor forward (never back: several instances may share the database). */
  async applyBatch(trx: Kysely<MessagingTables>, events: readonly AuthEvent[], cursor: number): Promise<ReplicaEffect[]> {
    const effects: ReplicaEffect[] = [];
    for (const event of events) {
      const effect = await this.applyEvent(trx, event);
      if (effect !== undefined) effects.push(effect);
    }
    await trx
      .insertInto('follower_cursor')
      .values({ name: CURSOR_NAME, position: cursor })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ position: (eb) => eb.ref('excluded.position') })
          .where('follower_cursor.position', '<', cursor),
      )
      .execute();
    return effects;
  }

  private async applyEvent(trx: Kysely<MessagingTables>, event: AuthEvent): Promise<ReplicaEffect | undefined> {
    switch (event.type) {
      case 'account.created':
        await this.ensureAccount(trx, event.accountId);
        return undefined;
      case 'device.added':
        if (event.deviceId === undefined) return undefined;
        await this.ensureAccount(trx, event.accountId);
        await trx
          .insertInto('devices')
          .values({ device_id: event.deviceId, account_id: event.accountId, removed_at: null, queue_depth: 0 })
          .onConflict((oc) => oc.column('device_id').doNothing())
          .execute();
        return undefined;
      case 'device.removed':
        if (event.deviceId === undefined) return undefined;
        await this.removeDevice(trx, event.accountId, event.deviceId, event.occurredAt);
        return { kind: 'device', deviceId: event.deviceId };
      case 'session.revoked':
        return event.sessionId === undefined ? undefined : { kind: 'session', sessionId: event.sessionId };
      case 'account.deleted':
        await this.deleteAccount(trx, event.accountId, event.occurredAt);
        return { kind: 'account', accountId: event.accountId };
    }
  }

  private async ensureAccount(trx: Kysely<MessagingTables>, accountId: string): Promise<void> {
    await trx
      .insertInto('accounts')
      .values({ account_id: accountId, deleted_at: null })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
  }

  /** A removed device can never read its queue again, so the queue goes with it; the row stays to recognise stale ids. */
  private async removeDevice(trx: Kysely<MessagingTables>, accountId: string, deviceId: string, at: number): Promise<void> {
    await trx
      .insertInto('devices')
      .values({ device_id: deviceId, account_id: accountId, removed_at: at, queue_depth: 0 })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ removed_at: at, queue_depth: 0 }).where('devices.removed_at', 'is', null))
      .execute();
    await trx.deleteFrom('envelopes').where('device_id', '=', deviceId).execute();
  }

  private async deleteAccount(trx: Kysely<MessagingTables>, accountId: string, at: number): Promise<void> {
    await trx
      .insertInto('accounts')
      .values({ account_id: accountId, deleted_at: at })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ deleted_at: at }).where('accounts.deleted_at', 'is', null))
      .execute();
    const devices = await trx.selectFrom('devices').select('device_id').where('account_id', '=', accountId).execute();
    for (const device of devices) await this.removeDevice(trx, accountId, device.device_id, at);
    // A deleted account leaves every conversation; the others keep talking without it.
    await trx.deleteFrom('members').where('account_id', '=', accountId).execute();
  }

  /** Accounts of `accountIds` that exist and are not deleted. */
  async existingAccounts(db: Kysely<MessagingTables>, accountIds: readonly string[]): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    const rows = await db
      .selectFrom('accounts')
      .select('account_id')
      .where('account_id', 'in', [...accountIds])
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.account_id));
  }

  async isDeviceRemoved(deviceId: string): Promise<boolean> {
    const row = await this.db.selectFrom('devices').select('removed_at').where('device_id', '=', deviceId).executeTakeFirst();
    return row?.removed_at != null;
  }
}
