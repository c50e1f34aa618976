import { AppError } from '@sanctum/kernel';
import type { KeyObject } from 'node:crypto';
import type { DeviceStore } from '../store/device.store.js';
import type { KeyCounts, KeyUpload, OneTimeKey, PreKeyStore, SignedKey, UploadOutcome } from '../store/prekey.store.js';
import type { OneTimeKeyKind, SignedKeyKind } from '../store/tables.js';
import { decodeKey } from './binary.codec.js';
import { ed25519PublicKey, verifyEd25519 } from './key.signature.js';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, ML_KEM_PUBLIC_KEY_BYTES, X25519_PUBLIC_KEY_BYTES } from './key.rules.js';

export interface WireSignedKey {
  keyId: number;
  publicKey: string;
  signature: string;
}

export interface WireOneTimeKey {
  keyId: number;
  publicKey: string;
}

/** An upload as it arrives (base64url strings), already shaped by the route schema. */
export interface KeyUploadInput {
  identityKey: string;
  signedPreKey?: WireSignedKey | undefined;
  lastResortPreKey?: WireSignedKey | undefined;
  oneTimePreKeys?: WireOneTimeKey[] | undefined;
  pqLastResortPreKey?: WireSignedKey | undefined;
  pqOneTimePreKeys?: WireSignedKey[] | undefined;
}

export interface KeyLimits {
  batchMax: number;
  maxPerDevice: number;
}

export interface Caller {
  accountId: string;
  deviceId: string;
}

/**
 * A device's own key material: checks that the identity key is the one Auth
 * announced for the device, verifies every signature with it, then stores.
 * The device comes from the access token, so a device can only ever change
 * its own keys.
 */
export class KeyService {
  constructor(
    private readonly devices: DeviceStore,
    private readonly prekeys: PreKeyStore,
    private readonly limits: KeyLimits,
    private readonly now: () => number,
  ) {}

  async upload(caller: Caller, input: KeyUploadInput): Promise<KeyCounts> {
    const oneTime = input.oneTimePreKeys ?? [];
    const pqOneTime = input.pqOneTimePreKeys ?? [];
    for (const [field, batch] of [['oneTimePreKeys', oneTime], ['pqOneTimePreKeys', pqOneTime]] as const) {
      if (batch.length > this.limits.batchMax) {
        throw new AppError('DIR_PREKEY_BATCH_TOO_LARGE', `${field} holds at most ${this.limits.batchMax} keys per upload`, 400, {
          field,
          max: this.limits.batchMax,
        });
      }
      assertDistinctIds(field, batch);
    }
    const identity = await this.verifiedIdentity(caller, input.identityKey);
    const upload: KeyUpload = {
      accountId: caller.accountId,
      deviceId: caller.deviceId,
      signed: {},
      oneTime: {
        ec: oneTime.map((key, i) => ({ keyId: key.keyId, publicKey: decodeKey(key.publicKey, `oneTimePreKeys[${i}].publicKey`, [X25519_PUBLIC_KEY_BYTES]), signature: null })),
        pq: pqOneTime.map((key, i) => signedKey(identity, key, `pqOneTimePreKeys[${i}]`, ML_KEM_PUBLIC_KEY_BYTES)),
      },
      maxPerDevice: this.limits.maxPerDevice,
      now: this.now(),
    };
    if (input.signedPreKey !== undefined) upload.signed.signed = signedKey(identity, input.signedPreKey, 'signedPreKey', [X25519_PUBLIC_KEY_BYTES]);
    if (input.lastResortPreKey !== undefined) {
      upload.signed.last_resort = signedKey(identity, input.lastResortPreKey, 'lastResortPreKey', [X25519_PUBLIC_KEY_BYTES]);
    }
    if (input.pqLastResortPreKey !== undefined) {
      upload.signed.pq_last_resort = signedKey(identity, input.pqLastResortPreKey, 'pqLastResortPreKey', ML_KEM_PUBLIC_KEY_BYTES);
    }
    throwUnlessStored(await this.prekeys.upload(upload));
    return this.prekeys.counts(caller.deviceId);
  }

  /** How many one-time keys the calling device has left, and which signed keys it has. */
  async counts(caller: Caller): Promise<KeyCounts> {
    await this.knownDevice(caller);
    return this.prekeys.counts(caller.deviceId);
  }

  private async knownDevice(caller: Caller) {
    const device = await this.devices.activeDevice(caller.deviceId);
    if (device?.accountId !== caller.accountId) {
      throw new AppError('DIR_DEVICE_UNKNOWN', 'The Directory does not know this device yet; retry shortly', 409);
    }
    return device;
  }

  private async verifiedIdentity(caller: Caller, identityKeyText: string): Promise<KeyObject> {
    const presented = decodeKey(identityKeyText, 'identityKey', [ED25519_PUBLIC_KEY_BYTES]);
    const device = await this.knownDevice(caller);
    if (!presented.equals(device.identityKey)) {
      throw new AppError('DIR_IDENTITY_KEY_MISMATCH', 'identityKey is not the identity key Auth holds for this device', 409);
    }
    const key = ed25519PublicKey(presented);
    if (key === null) throw new AppError('DIR_INVALID_KEY', 'identityKey is not an Ed25519 public key', 400, { field: 'identityKey' });
    return key;
  }
}

function signedKey(identity: KeyObject, key: WireSignedKey, field: string, lengths: readonly number[]): SignedKey & OneTimeKey {
  const publicKey = decodeKey(key.publicKey, `${field}.publicKey`, lengths);
  const signature = decodeKey(key.signature, `${field}.signature`, [ED25519_SIGNATURE_BYTES]);
  if (!verifyEd25519(identity, publicKey, signature)) {
    throw new AppError('DIR_BAD_SIGNATURE', `${field}.signature is not the identity key's signature over ${field}.publicKey`, 400, {
      field,
    });
  }
  return { keyId: key.keyId, publicKey, signature };
}

function assertDistinctIds(field: string, keys: readonly { keyId: number }[]): void {
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const { keyId } of keys) (seen.has(keyId) ? repeated : seen).add(keyId);
  if (repeated.size > 0) {
    throw new AppError('DIR_PREKEY_ID_CONFLICT', `${field} repeats key ids`, 409, { field, keyIds: [...repeated].sort((a, b) => a - b) });
  }
}

const FIELD_OF: Record<OneTimeKeyKind, string> = { ec: 'oneTimePreKeys', pq: 'pqOneTimePreKeys' };
const SIGNED_FIELD_OF: Record<SignedKeyKind, string> = {
  signed: 'signedPreKey',
  last_resort: 'lastResortPreKey',
  pq_last_resort: 'pqLastResortPreKey',
};

function throwUnlessStored(outcome: UploadOutcome): void {
  switch (outcome.kind) {
    case 'stored':
      return;
    case 'device-unknown':
      throw new AppError('DIR_DEVICE_UNKNOWN', 'The Directory does not know this device (any more); retry shortly', 409);
    case 'id-conflict':
      throw new AppError('DIR_PREKEY_ID_CONFLICT', `${FIELD_OF[outcome.keyKind]} reuses key ids this device already has`, 409, {
        field: FIELD_OF[outcome.keyKind],
        keyIds: outcome.keyIds,
      });
    case 'limit':
      throw new AppError('DIR_PREKEY_LIMIT_REACHED', `A device holds at most ${outcome.max} ${FIELD_OF[outcome.keyKind]}`, 409, {
        field: FIELD_OF[outcome.keyKind],
        stored: outcome.stored,
        max: outcome.max,
      });
    case 'incomplete':
      throw new AppError('DIR_KEYS_INCOMPLETE', `The first upload must include ${outcome.missing.map((k) => SIGNED_FIELD_OF[k]).join(' and ')}`, 400, {
        missing: outcome.missing.map((k) => SIGNED_FIELD_OF[k]),
      });
  }
}
