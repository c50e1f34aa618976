import { skipLocked } from '@sanctum/kernel';
import type { Database } from '@sanctum/kernel';
import type { Transaction } from 'kysely';
import type { OneTimeKey, SignedKey } from './prekey.store.js';
import type { DirectoryTables, OneTimeKeyKind, SignedKeyKind } from './tables.js';

/** A key handed out in a bundle: a consumed one-time key, or the device's last-resort key when none was left. */
export interface BundleKey extends OneTimeKey {
  lastResort: boolean;
}

export interface DeviceBundle {
  deviceId: string;
  identityKey: Uint8Array;
  signedPreKey: SignedKey;
  preKey: BundleKey;
  /** Null when the device never uploaded post-quantum keys. */
  pqPreKey: BundleKey | null;
}

export interface TakenBundles {
  bundles: DeviceBundle[];
  /** Active devices that never uploaded their keys: no session can be started with them yet. */
  devicesWithoutKeys: string[];
}

/**
 * Assembles prekey bundles, consuming one one-time key (classic and
 * post-quantum) per device. Each consumption is one DELETE … RETURNING of a
 * row picked by a sub-select with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
 * concurrent fetches each take a different key; SQLite's single writer
 * serialises them.
 */
export class BundleStore {
  constructor(private readonly database: Database<DirectoryTables>) {}

  /**
   * Bundles for every active device of the account that has keys (or only
   * `deviceId`, when given), and the active devices that have none yet.
   */
  async take(accountId: string, deviceId?: string): Promise<TakenBundles> {
    return this.database.db.transaction().execute(async (trx) => {
      let devices = trx
        .selectFrom('devices')
        .select(['device_id', 'identity_key'])
        .where('account_id', '=', accountId)
        .where('removed_at', 'is', null);
      if (deviceId !== undefined) devices = devices.where('device_id', '=', deviceId);
      const rows = await devices.orderBy('created_at').orderBy('device_id').execute();
      const taken: TakenBundles = { bundles: [], devicesWithoutKeys: [] };
      for (const device of rows) {
        const bundle = await this.takeForDevice(trx, device.device_id, device.identity_key);
        if (bundle === undefined) taken.devicesWithoutKeys.push(device.device_id);
        else taken.bundles.push(bundle);
      }
      return taken;
    });
  }

  private async takeForDevice(
    trx: Transaction<DirectoryTables>,
    deviceId: string,
    identityKey: Uint8Array,
  ): Promise<DeviceBundle | undefined> {
    const signedRows = await trx
      .selectFrom('signed_prekeys')
      .select(['kind', 'key_id', 'public_key', 'signature'])
      .where('device_id', '=', deviceId)
      .execute();
    const signed = new Map<SignedKeyKind, SignedKey>(
      signedRows.map((row) => [row.kind, { keyId: row.key_id, publicKey: row.public_key, signature: row.signature }]),
    );
    const signedPreKey = signed.get('signed');
    const lastResort = signed.get('last_resort');
    if (signedPreKey === undefined || lastResort === undefined) return undefined;
    const preKey = (await this.consume(trx, deviceId, 'ec')) ?? { ...lastResort, lastResort: true };
    const pqLastResort = signed.get('pq_last_resort');
    const pqPreKey =
      (await this.consume(trx, deviceId, 'pq')) ?? (pqLastResort === undefined ? null : { ...pqLastResort, lastResort: true });
    return { deviceId, identityKey, signedPreKey, preKey, pqPreKey };
  }

  private async consume(trx: Transaction<DirectoryTables>, deviceId: string, kind: OneTimeKeyKind): Promise<BundleKey | undefined> {
    const next = trx
      .selectFrom('one_time_prekeys')
      .select('key_id')
      .where('device_id', '=', deviceId)
      .where('kind', '=', kind)
      .orderBy('key_id')
      .limit(1)
      .modifyEnd(skipLocked(this.database.engine));
    const row = await trx
      .deleteFrom('one_time_prekeys')
      .where('device_id', '=', deviceId)
      .where('kind', '=', kind)
      .where('key_id', '=', next)
      .returning(['key_id', 'public_key', 'signature'])
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return { keyId: row.key_id, publicKey: row.public_key, signature: row.signature, lastResort: false };
  }
}
