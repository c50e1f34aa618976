import type { Kysely } from 'kysely';
import type { DirectoryTables } from './tables.js';

export interface DeviceRecord {
  deviceId: string;
  accountId: string;
  identityKey: Uint8Array;
  createdAt: number;
}

/** Reads of the devices replica (written only by the Auth event follower, see auth-events.store.ts). */
export class DeviceStore {
  constructor(private readonly db: Kysely<DirectoryTables>) {}

  /** The account's active devices, oldest first. */
  async activeDevices(accountId: string): Promise<DeviceRecord[]> {
    const rows = await this.db
      .selectFrom('devices')
      .select(['device_id', 'account_id', 'identity_key', 'created_at'])
      .where('account_id', '=', accountId)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .orderBy('device_id')
      .execute();
    return rows.map(toRecord);
  }

  /** The device when it is active, whatever account it belongs to. */
  async activeDevice(deviceId: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .select(['device_id', 'account_id', 'identity_key', 'created_at'])
      .where('device_id', '=', deviceId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }
}

function toRecord(row: { device_id: string; account_id: string; identity_key: Uint8Array; created_at: number }): DeviceRecord {
  return { deviceId: row.device_id, accountId: row.account_id, identityKey: row.identity_key, createdAt: row.created_at };
}
