/** The Directory database, table by table (Kysely types); queries live in the store modules beside this file. */

/** Replica of Auth's devices, fed by the Auth event follower; `removed_at` set once Auth removed the device. */
export interface DeviceTable {
  device_id: string;
  account_id: string;
  /** Ed25519 identity public key (32 bytes) as Auth announced it. */
  identity_key: Uint8Array;
  created_at: number;
  removed_at: number | null;
}

export interface HandleTable {
  /** Normalised handle (see handle.rules.ts); unique. */
  handle: string;
  /** Unique: one handle per account. */
  account_id: string;
  claimed_at: number;
}

export interface ProfileTable {
  account_id: string;
  display_name: string;
  /** Opaque, client-encrypted profile; the server never reads it. */
  blob: Uint8Array | null;
  updated_at: number;
}

/** The replaceable, signed keys of a device: one row per kind. */
export type SignedKeyKind = 'signed' | 'last_resort' | 'pq_last_resort';

export interface SignedPreKeyTable {
  device_id: string;
  kind: SignedKeyKind;
  key_id: number;
  public_key: Uint8Array;
  /** Ed25519 signature by the device's identity key over `public_key`. */
  signature: Uint8Array;
  uploaded_at: number;
}

/** Consumable keys: `ec` are X25519 one-time prekeys (unsigned), `pq` are ML-KEM one-time keys (signed). */
export type OneTimeKeyKind = 'ec' | 'pq';

export interface OneTimePreKeyTable {
  device_id: string;
  kind: OneTimeKeyKind;
  key_id: number;
  public_key: Uint8Array;
  signature: Uint8Array | null;
}

/** Where each feed follower has applied up to. */
export interface FollowerStateTable {
  name: string;
  cursor: number;
}

export interface DirectoryTables {
  devices: DeviceTable;
  handles: HandleTable;
  profiles: ProfileTable;
  signed_prekeys: SignedPreKeyTable;
  one_time_prekeys: OneTimePreKeyTable;
  follower_state: FollowerStateTable;
}
