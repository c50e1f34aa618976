import type { Database, Engine } from '@sanctum/kernel';
import type { Transaction } from 'kysely';
import { rowLock } from './row-lock.js';
import type { DirectoryTables, OneTimeKeyKind, SignedKeyKind } from './tables.js';

export interface SignedKey {
  keyId: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

export interface OneTimeKey {
  keyId: number;
  publicKey: Uint8Array;
  /** Set for post-quantum keys, which are signed; null for classic one-time prekeys. */
  signature: Uint8Array | null;
}

/** One device's upload, already decoded and its signatures verified. */
export interface KeyUpload {
  accountId: string;
  deviceId: string;
  signed: Partial<Record<SignedKeyKind, SignedKey>>;
  oneTime: Record<OneTimeKeyKind, OneTimeKey[]>;
  /** Most one-time keys of each kind a device may hold. */
  maxPerDevice: number;
  now: number;
}

export type UploadOutcome =
  | { kind: 'stored' }
  | { kind: 'device-unknown' }
  | { kind: 'id-conflict'; keyKind: OneTimeKeyKind; keyIds: number[] }
  | { kind: 'limit'; keyKind: OneTimeKeyKind; stored: number; max: number }
  | { kind: 'incomplete'; missing: SignedKeyKind[] };

export interface KeyCounts {
  oneTime: Record<OneTimeKeyKind, number>;
  signed: Record<SignedKeyKind, boolean>;
}

/** The keys a device must have before anyone can fetch a bundle for it. */
const REQUIRED_SIGNED_KINDS: readonly SignedKeyKind[] = ['signed', 'last_resort'];
const ONE_TIME_KINDS: readonly OneTimeKeyKind[] = ['ec', 'pq'];
/** Rows per INSERT, far below both engines' bound-parameter limits. */
const INSERT_CHUNK = 500;

/** A device's uploaded key material: replaceable signed keys and consumable one-time keys. */
export class PreKeyStore {
  constructor(private readonly database: Database<DirectoryTables>) {}

  private get engine(): Engine {
    return this.database.engine;
  }

  /**
   * Replaces the given signed keys and adds the one-time keys, all or
   * nothing. The device row is locked first (PostgreSQL), so a concurrent
   * device.removed waits and then deletes what this upload stored.
   */
  async upload(upload: KeyUpload): Promise<UploadOutcome> {
    try {
      return await this.database.db.transaction().execute(async (trx) => {
        const device = await trx
          .selectFrom('devices')
          .select('account_id')
          .where('device_id', '=', upload.deviceId)
          .where('removed_at', 'is', null)
          .modifyEnd(rowLock(this.engine))
          .executeTakeFirst();
        if (device?.account_id !== upload.accountId) throw new Rollback({ kind: 'device-unknown' });
        for (const keyKind of ONE_TIME_KINDS) await addOneTimeKeys(trx, upload, keyKind);
        for (const [kind, key] of Object.entries(upload.signed) as [SignedKeyKind, SignedKey][]) {
          const row = { key_id: key.keyId, public_key: key.publicKey, signature: key.signature, uploaded_at: upload.now };
          await trx
            .insertInto('signed_prekeys')
            .values({ device_id: upload.deviceId, kind, ...row })
            .onConflict((oc) => oc.columns(['device_id', 'kind']).doUpdateSet(row))
            .execute();
        }
        const present = await signedKindsOf(trx, upload.deviceId);
        const missing = REQUIRED_SIGNED_KINDS.filter((kind) => !present.has(kind));
        if (missing.length > 0) throw new Rollback({ kind: 'incomplete', missing });
        return { kind: 'stored' } as const;
      });
    } catch (error) {
      if (error instanceof Rollback) return error.outcome;
      throw error;
    }
  }

  async counts(deviceId: string): Promise<KeyCounts> {
    const db = this.database.db;
    const rows = await db
      .selectFrom('one_time_prekeys')
      .select(['kind', db.fn.countAll<number | string>().as('n')])
      .where('device_id', '=', deviceId)
      .groupBy('kind')
      .execute();
    const oneTime: Record<OneTimeKeyKind, number> = { ec: 0, pq: 0 };
    for (const row of rows) oneTime[row.kind] = Number(row.n);
    const present = await signedKindsOf(db, deviceId);
    return {
      oneTime,
      signed: { signed: present.has('signed'), last_resort: present.has('last_resort'), pq_last_resort: present.has('pq_last_resort') },
    };
  }
}

async function addOneTimeKeys(trx: Transaction<DirectoryTables>, upload: KeyUpload, keyKind: OneTimeKeyKind): Promise<void> {
  const keys = upload.oneTime[keyKind];
  if (keys.length === 0) return;
  const base = trx.selectFrom('one_time_prekeys').where('device_id', '=', upload.deviceId).where('kind', '=', keyKind);
  const clashes = await base
    .select('key_id')
    .where(
      'key_id',
      'in',
      keys.map((k) => k.keyId),
    )
    .execute();
  if (clashes.length > 0) {
    throw new Rollback({ kind: 'id-conflict', keyKind, keyIds: clashes.map((row) => row.key_id).sort((a, b) => a - b) });
  }
  const counted = await base.select(trx.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const stored = Number(counted.n);
  if (stored + keys.length > upload.maxPerDevice) {
    throw new Rollback({ kind: 'limit', keyKind, stored, max: upload.maxPerDevice });
  }
  for (let start = 0; start < keys.length; start += INSERT_CHUNK) {
    const rows = keys.slice(start, start + INSERT_CHUNK).map((key) => ({
      device_id: upload.deviceId,
      kind: keyKind,
      key_id: key.keyId,
      public_key: key.publicKey,
      signature: key.signature,
    }));
    await trx.insertInto('one_time_prekeys').values(rows).execute();
  }
}

async function signedKindsOf(db: Pick<Transaction<DirectoryTables>, 'selectFrom'>, deviceId: string): Promise<Set<SignedKeyKind>> {
  const rows = await db.selectFrom('signed_prekeys').select('kind').where('device_id', '=', deviceId).execute();
  return new Set(rows.map((row) => row.kind));
}

/** Thrown inside an upload transaction to roll it back and report why. */
class Rollback extends Error {
  constructor(readonly outcome: UploadOutcome) {
    super(outcome.kind);
  }
}
