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

/** A bundle request waiting for the next SQLite group commit. */
interface PendingTake {
  accountId: string;
  deviceId: string | undefined;
  resolve(taken: TakenBundles): void;
  reject(error: unknown): void;
}

/** Most requests served by one SQLite transaction. */
const MAX_GROUP = 128;

/**
 * Assembles prekey bundles, consuming one one-time key (classic and
 * post-quantum) per device. Each consumption is one DELETE … RETURNING of a
 * row picked by a sub-select with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
 * concurrent fetches each take a different key.
 *
 * On SQLite the single writer serialises them, and each commit waits for an
 * fsync (synchronous=FULL), which the benchmark showed to cap fetches at a few
 * hundred per second. So SQLite requests are grouped: the ones that arrive
 * while a transaction runs are served, one after the other, by the next
 * transaction, and all answered after its single commit (group commit).
 */
export class BundleStore {
  private readonly queue: PendingTake[] = [];
  private draining = false;

  constructor(private readonly database: Database<DirectoryTables>) {}

  /**
   * Bundles for every active device of the account that has keys (or only
   * `deviceId`, when given), and the active devices that have none yet.
   */
  async take(accountId: string, deviceId?: string): Promise<TakenBundles> {
    if (this.database.engine === 'postgres') {
      return this.database.db.transaction().execute((trx) => this.takeIn(trx, accountId, deviceId));
    }
    return new Promise<TakenBundles>((resolve, reject) => {
      this.queue.push({ accountId, deviceId, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // After the current I/O phase, so requests that arrived together share the first transaction too.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP);
      try {
        // Answers are only given once the transaction has committed.
        const answers = await this.database.db.transaction().execute(async (trx) => {
          const pending: (() => void)[] = [];
          for (const request of group) {
            const taken = await this.takeIn(trx, request.accountId, request.deviceId);
            pending.push(() => {
              request.resolve(taken);
            });
          }
          return pending;
        });
        for (const answer of answers) answer();
      } catch (error) {
        for (const request of group) request.reject(error);
      }
    }
    this.draining = false;
  }

  private async takeIn(trx: Transaction<DirectoryTables>, accountId: string, deviceId: string | undefined): Promise<TakenBundles> {
    // One query for the devices and their signed keys (a profile showed per-query overhead dominating this path).
    let query = trx
      .selectFrom('devices as d')
      .leftJoin('signed_prekeys as s', 's.device_id', 'd.device_id')
      .select(['d.device_id', 'd.identity_key', 's.kind', 's.key_id', 's.public_key', 's.signature'])
      .where('d.account_id', '=', accountId)
      .where('d.removed_at', 'is', null);
    if (deviceId !== undefined) query = query.where('d.device_id', '=', deviceId);
    const rows = await query.orderBy('d.created_at').orderBy('d.device_id').execute();
    const devices = new Map<string, { identityKey: Uint8Array; signed: Map<SignedKeyKind, SignedKey> }>();
    for (const row of rows) {
      let device = devices.get(row.device_id);
      if (device === undefined) {
        device = { identityKey: row.identity_key, signed: new Map() };
        devices.set(row.device_id, device);
      }
      if (row.kind !== null && row.key_id !== null && row.public_key !== null && row.signature !== null) {
        device.signed.set(row.kind, { keyId: row.key_id, publicKey: row.public_key, signature: row.signature });
      }
    }
    const taken: TakenBundles = { bundles: [], devicesWithoutKeys: [] };
    for (const [id, device] of devices) {
      const bundle = await this.takeForDevice(trx, id, device.identityKey, device.signed);
      if (bundle === undefined) taken.devicesWithoutKeys.push(id);
      else taken.bundles.push(bundle);
    }
    return taken;
  }

  private async takeForDevice(
    trx: Transaction<DirectoryTables>,
    deviceId: string,
    identityKey: Uint8Array,
    signed: ReadonlyMap<SignedKeyKind, SignedKey>,
  ): Promise<DeviceBundle | undefined> {
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
