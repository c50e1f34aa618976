// What the SDK needs the app to keep for it (and how it names a peer device). Everything is async so an app can
// back these with IndexedDB, SQLite or a file; memory.stores.ts holds the
// in-memory versions (tests, and browsers that persist through toJSON()).
import type { KeyPair } from './crypto.primitives.js';
import type { SessionRecordJson } from './session.record.js';

/** One peer device: the account it belongs to and its device id (as Auth names them). */
export interface DeviceAddress {
  accountId: string;
  deviceId: string;
}

/** An unambiguous map key for a device address (ids may contain any character). */
export function addressKey(address: DeviceAddress): string {
  return JSON.stringify([address.accountId, address.deviceId]);
}

/**
 * The kinds of private prekeys a device holds. `one-time` and `kem-one-time`
 * are deleted once a session has used them; the others stay until rotated.
 */
export type PrekeyKind = 'signed' | 'one-time' | 'last-resort' | 'kem-one-time' | 'kem-last-resort';

export interface PrekeyRecord {
  kind: PrekeyKind;
  keyId: number;
  /** X25519 (32 bytes) or ML-KEM-768 encapsulation key (1184 bytes). */
  publicKey: Uint8Array;
  /** X25519 secret (32 bytes) or ML-KEM-768 decapsulation key (2400 bytes). */
  secretKey: Uint8Array;
  /** Milliseconds since the epoch; orders signed prekeys for rotation. */
  createdAt: number;
}

export interface IdentityStore {
  /** This device's Ed25519 identity key pair (the one Auth registered). */
  getIdentityKeyPair(): Promise<KeyPair>;
  /** The identity key first seen for a peer device (trust on first use), if any. */
  getRemoteIdentity(address: DeviceAddress): Promise<Uint8Array | undefined>;
  saveRemoteIdentity(address: DeviceAddress, identityKey: Uint8Array): Promise<void>;
  removeRemoteIdentity(address: DeviceAddress): Promise<void>;
}

export interface PrekeyStore {
  /** Reserves `count` consecutive key ids (modulo 2^31) and returns the first; ids are never handed out twice. */
  allocateKeyIds(count: number): Promise<number>;
  putPrekey(record: PrekeyRecord): Promise<void>;
  getPrekey(kind: PrekeyKind, keyId: number): Promise<PrekeyRecord | undefined>;
  removePrekey(kind: PrekeyKind, keyId: number): Promise<void>;
  listPrekeys(kind: PrekeyKind): Promise<PrekeyRecord[]>;
  /**
   * Base keys (base64url) of sessions started without any one-time key, so a
   * replayed initial message on a reusable prekey is refused (X3DH §4.2).
   */
  hasBaseKey(baseKey: string): Promise<boolean>;
  addBaseKey(baseKey: string): Promise<void>;
}

export interface SessionStore {
  loadSession(address: DeviceAddress): Promise<SessionRecordJson | undefined>;
  storeSession(address: DeviceAddress, record: SessionRecordJson): Promise<void>;
  removeSession(address: DeviceAddress): Promise<void>;
  /** Device ids of an account with which this device has a session. */
  listSessionDevices(accountId: string): Promise<string[]>;
}
