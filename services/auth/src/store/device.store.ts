import type { Kysely, Selectable } from 'kysely';
import type { AuthTables, DevicesTable } from './tables.js';

export interface DeviceRecord {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly identityKey: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly approvedBy: string | null;
  readonly approvalSignature: string | null;
}

function toRecord(row: Selectable<DevicesTable>): DeviceRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    identityKey: row.identity_key,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    approvedBy: row.approved_by,
    approvalSignature: row.approval_signature,
  };
}

/** The devices of each account, with their Ed25519 identity public keys. */
export class DeviceStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async insert(device: DeviceRecord): Promise<void> {
    await this.db
      .insertInto('devices')
      .values({
        id: device.id,
        account_id: device.accountId,
        name: device.name,
        identity_key: device.identityKey,
        created_at: device.createdAt,
        last_seen_at: device.lastSeenAt,
        approved_by: device.approvedBy,
        approval_signature: device.approvalSignature,
      })
      .execute();
  }

  async find(id: string): Promise<DeviceRecord | undefined> {
    const row = await this.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async identityKeyInUse(identityKey: string): Promise<boolean> {
    const row = await this.db.selectFrom('devices').select('id').where('identity_key', '=', identityKey).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Oldest first, so the list reads in the order the devices were added.
   * `lastSeenAt` is the latest sign-in or refresh of any of the device's
   * sessions (or its enrolment), derived here so that sign-ins and refreshes
   * do not have to write to the device row.
   */
  async listByAccount(accountId: string): Promise<DeviceRecord[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll('devices')
      .select((eb) =>
        eb
          .selectFrom('sessions')
          .select((s) => s.fn.max('sessions.last_refreshed_at').as('latest'))
          .whereRef('sessions.device_id', '=', 'devices.id')
          .as('session_seen_at'),
      )
      .where('devices.account_id', '=', accountId)
      .orderBy('devices.created_at')
      .orderBy('devices.id')
      .execute();
    return rows.map((row) => ({ ...toRecord(row), lastSeenAt: Math.max(row.last_seen_at, row.session_seen_at ?? 0) }));
  }

  async countByAccount(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async rename(accountId: string, id: string, name: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .updateTable('devices')
      .set({ name })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Deletes the device and, by cascade, its sessions. */
  async delete(accountId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('devices').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
