// Test devices: each with its own identity key, stores, session manager and
// uploaded prekeys, plus a stand-in for the Directory's bundle hand-out rule
// (one one-time key per fetch, the last-resort key once they are gone).
import {
  MemoryIdentityStore,
  MemoryPrekeyStore,
  MemorySessionStore,
  PrekeyGenerator,
  SessionManager,
  generateIdentityKeyPair,
} from '@sanctum/client';
import type { DeviceAddress, KeyPair, KeyUploadPayload, PrekeyBundle, SessionManagerOptions } from '@sanctum/client';

export interface TestDevice {
  address: DeviceAddress;
  identity: KeyPair;
  identityStore: MemoryIdentityStore;
  prekeyStore: MemoryPrekeyStore;
  sessionStore: MemorySessionStore;
  manager: SessionManager;
  /** What the device uploaded; `takeBundle` hands keys out of it as the Directory would. */
  published: KeyUploadPayload;
}

export interface DeviceOptions {
  oneTime?: number;
  pqOneTime?: number;
  manager?: Partial<SessionManagerOptions>;
}

export async function makeDevice(accountId: string, deviceId: string, options: DeviceOptions = {}): Promise<TestDevice> {
  const identity = generateIdentityKeyPair();
  const identityStore = new MemoryIdentityStore(identity);
  const prekeyStore = new MemoryPrekeyStore();
  const sessionStore = new MemorySessionStore();
  const published = await new PrekeyGenerator(identity, prekeyStore).generate({
    oneTimePrekeys: options.oneTime ?? 3,
    pqOneTimePrekeys: options.pqOneTime ?? 2,
  });
  const manager = new SessionManager({ identity: identityStore, prekeys: prekeyStore, sessions: sessionStore, ...options.manager });
  return { address: { accountId, deviceId }, identity, identityStore, prekeyStore, sessionStore, manager, published };
}

/** Through JSON text and back, as persisted state would be. */
export function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A device restored from its stores' JSON, as an app would after a restart. */
export function restore(device: TestDevice, options: Partial<SessionManagerOptions> = {}): TestDevice {
  const identityStore = MemoryIdentityStore.fromJSON(roundTrip(device.identityStore.toJSON()));
  const prekeyStore = MemoryPrekeyStore.fromJSON(roundTrip(device.prekeyStore.toJSON()));
  const sessionStore = MemorySessionStore.fromJSON(roundTrip(device.sessionStore.toJSON()));
  const manager = new SessionManager({ identity: identityStore, prekeys: prekeyStore, sessions: sessionStore, ...options });
  return { ...device, identityStore, prekeyStore, sessionStore, manager };
}

/** The bundle the Directory would return for `device` now, consuming one-time keys. */
export function takeBundle(device: TestDevice, options: { pq?: boolean; oneTime?: boolean } = {}): PrekeyBundle {
  const { published } = device;
  const oneTime = options.oneTime === false ? undefined : published.oneTimePreKeys?.shift();
  const pqOneTime = options.pq === false ? undefined : published.pqOneTimePreKeys?.shift();
  const bundle: PrekeyBundle = {
    deviceId: device.address.deviceId,
    identityKey: published.identityKey,
    signedPreKey: published.signedPreKey!,
    preKey: oneTime === undefined ? { ...published.lastResortPreKey!, lastResort: true } : { ...oneTime, lastResort: false },
    pqPreKey: pqOneTime === undefined ? { ...published.pqLastResortPreKey!, lastResort: true } : { ...pqOneTime, lastResort: false },
  };
  if (options.pq === false) bundle.pqPreKey = null;
  return bundle;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function text(value: string): Uint8Array {
  return encoder.encode(value);
}

export function read(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Sends `message` from one device to another and returns what the receiver's Messaging queue would hold. */
export async function send(from: TestDevice, to: TestDevice, message: string, bundle?: PrekeyBundle) {
  const ciphertext = await from.manager.encryptFor(to.address, text(message), { bundle });
  return { senderAccountId: from.address.accountId, senderDeviceId: from.address.deviceId, ciphertext };
}

export async function receive(device: TestDevice, envelope: { senderAccountId: string; senderDeviceId: string; ciphertext: string }) {
  return read(await device.manager.decrypt(envelope));
}

/** Base64url → bytes, for poking at envelopes. */
export function bytesOf(ciphertext: string): Uint8Array {
  const b64 = ciphertext.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

export function ciphertextOf(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
