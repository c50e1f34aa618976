// In-memory stores: for tests, and for apps (browsers included) that persist
// by saving `toJSON()` somewhere durable and restoring with `fromJSON()`.
import type { KeyPair } from './crypto.primitives.js';
import { fromBase64Url, randomBytes, toBase64Url } from './crypto.primitives.js';
import { E2eeError } from './e2ee.errors.js';
import type { SessionRecordJson } from './session.record.js';
import type { DeviceAddress, IdentityStore, PrekeyKind, PrekeyRecord, PrekeyStore, SessionStore } from './store.types.js';
import { addressKey } from './store.types.js';

function parseAddressKey(key: string): DeviceAddress {
  const [accountId, deviceId] = JSON.parse(key) as [string, string];
  return { accountId, deviceId };
}

function bytesOf(value: string, what: string): Uint8Array {
  try {
    return fromBase64Url(value, what);
  } catch {
    throw new E2eeError('E2EE_INVALID_STATE', `Stored ${what} is not base64url`);
  }
}

export interface IdentityStoreJson {
  identityKeyPair: { publicKey: string; secretKey: string };
  remote: Record<string, string>;
}

export class MemoryIdentityStore implements IdentityStore {
  private readonly remote = new Map<string, Uint8Array>();

  constructor(private readonly identityKeyPair: KeyPair) {}

  async getIdentityKeyPair(): Promise<KeyPair> {
    return this.identityKeyPair;
  }

  async getRemoteIdentity(address: DeviceAddress): Promise<Uint8Array | undefined> {
    return this.remote.get(addressKey(address));
  }

  async saveRemoteIdentity(address: DeviceAddress, identityKey: Uint8Array): Promise<void> {
    this.remote.set(addressKey(address), Uint8Array.from(identityKey));
  }

  async removeRemoteIdentity(address: DeviceAddress): Promise<void> {
    this.remote.delete(addressKey(address));
  }

  toJSON(): IdentityStoreJson {
    return {
      identityKeyPair: { publicKey: toBase64Url(this.identityKeyPair.publicKey), secretKey: toBase64Url(this.identityKeyPair.secretKey) },
      remote: Object.fromEntries([...this.remote].map(([key, value]) => [key, toBase64Url(value)])),
    };
  }

  static fromJSON(json: IdentityStoreJson): MemoryIdentityStore {
    const store = new MemoryIdentityStore({
      publicKey: bytesOf(json.identityKeyPair.publicKey, 'identity public key'),
      secretKey: bytesOf(json.identityKeyPair.secretKey, 'identity secret key'),
    });
    for (const [key, value] of Object.entries(json.remote)) store.remote.set(key, bytesOf(value, 'remote identity key'));
    return store;
  }
}

export interface PrekeyStoreJson {
  nextKeyId: number;
  prekeys: { kind: PrekeyKind; keyId: number; publicKey: string; secretKey: string; createdAt: number }[];
  baseKeys: string[];
}

const KEY_ID_SPACE = 2 ** 31;

export class MemoryPrekeyStore implements PrekeyStore {
  private readonly prekeys = new Map<string, PrekeyRecord>();
  /** Insertion-ordered, so the oldest base keys are forgotten first once the cap is reached. */
  private readonly baseKeys = new Set<string>();
  private nextKeyId: number;

  /**
   * @param maxBaseKeys how many base keys of sessions on reusable prekeys to remember.
   * @param firstKeyId where key ids start (random by default, as libsignal does, so ids say nothing about a device's age).
   */
  constructor(
    private readonly maxBaseKeys = 10_000,
    firstKeyId = new DataView(randomBytes(4).buffer).getUint32(0) % KEY_ID_SPACE,
  ) {
    this.nextKeyId = firstKeyId;
  }

  async allocateKeyIds(count: number): Promise<number> {
    const first = this.nextKeyId;
    this.nextKeyId = (first + count) % KEY_ID_SPACE;
    return first;
  }

  async putPrekey(record: PrekeyRecord): Promise<void> {
    this.prekeys.set(`${record.kind}:${record.keyId}`, record);
  }

  async getPrekey(kind: PrekeyKind, keyId: number): Promise<PrekeyRecord | undefined> {
    return this.prekeys.get(`${kind}:${keyId}`);
  }

  async removePrekey(kind: PrekeyKind, keyId: number): Promise<void> {
    this.prekeys.delete(`${kind}:${keyId}`);
  }

  async listPrekeys(kind: PrekeyKind): Promise<PrekeyRecord[]> {
    return [...this.prekeys.values()].filter((record) => record.kind === kind);
  }

  async hasBaseKey(baseKey: string): Promise<boolean> {
    return this.baseKeys.has(baseKey);
  }

  async addBaseKey(baseKey: string): Promise<void> {
    this.baseKeys.add(baseKey);
    for (const old of this.baseKeys) {
      if (this.baseKeys.size <= this.maxBaseKeys) break;
      this.baseKeys.delete(old);
    }
  }

  toJSON(): PrekeyStoreJson {
    return {
      nextKeyId: this.nextKeyId,
      prekeys: [...this.prekeys.values()].map((record) => ({
        ...record,
        publicKey: toBase64Url(record.publicKey),
        secretKey: toBase64Url(record.secretKey),
      })),
      baseKeys: [...this.baseKeys],
    };
  }

  static fromJSON(json: PrekeyStoreJson, maxBaseKeys?: number): MemoryPrekeyStore {
    const store = new MemoryPrekeyStore(maxBaseKeys, json.nextKeyId);
    for (const record of json.prekeys) {
      store.prekeys.set(`${record.kind}:${record.keyId}`, {
        ...record,
        publicKey: bytesOf(record.publicKey, 'prekey public key'),
        secretKey: bytesOf(record.secretKey, 'prekey secret key'),
      });
    }
    for (const baseKey of json.baseKeys) store.baseKeys.add(baseKey);
    return store;
  }
}

export type SessionStoreJson = Record<string, SessionRecordJson>;

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, string>();

  // Records are kept as JSON text: what comes back is always a fresh copy, exactly as from real storage.
  async loadSession(address: DeviceAddress): Promise<SessionRecordJson | undefined> {
    const text = this.records.get(addressKey(address));
    return text === undefined ? undefined : (JSON.parse(text) as SessionRecordJson);
  }

  async storeSession(address: DeviceAddress, record: SessionRecordJson): Promise<void> {
    this.records.set(addressKey(address), JSON.stringify(record));
  }

  async removeSession(address: DeviceAddress): Promise<void> {
    this.records.delete(addressKey(address));
  }

  async listSessionDevices(accountId: string): Promise<string[]> {
    return [...this.records.keys()].map(parseAddressKey).filter((address) => address.accountId === accountId).map((address) => address.deviceId);
  }

  toJSON(): SessionStoreJson {
    return Object.fromEntries([...this.records].map(([key, text]) => [key, JSON.parse(text) as SessionRecordJson]));
  }

  static fromJSON(json: SessionStoreJson): MemorySessionStore {
    const store = new MemorySessionStore();
    for (const [key, record] of Object.entries(json)) store.records.set(key, JSON.stringify(record));
    return store;
  }
}
