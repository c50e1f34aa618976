// X3DH and its post-quantum extension PQXDH (Signal specifications):
// the initiator computes SK from its identity key, a fresh ephemeral key and the
// responder's bundle; the responder recomputes it from the initial message.
// Identity keys are Ed25519; their X25519 halves come from the birational map.
import type { VerifiedBundle } from './bundle.verifier.js';
import type { KeyPair } from './crypto.primitives.js';
import {
  concatBytes,
  ed25519PublicToX25519,
  ed25519SecretToX25519,
  generateX25519KeyPair,
  hkdfSha256,
  mlKemDecapsulate,
  mlKemEncapsulate,
  x25519,
} from './crypto.primitives.js';
import type { PrekeyFields } from './envelope.codec.js';

/** KDF info when no KEM share is mixed in. */
export const X3DH_INFO = 'Sanctum_X3DH_X25519_SHA-256_v1';
/** KDF info with an ML-KEM-768 share: a different string, so the two modes can never produce the same SK. */
export const PQXDH_INFO = 'Sanctum_PQXDH_X25519_SHA-256_ML-KEM-768_v1';

/** F: 32 0xFF bytes prepended to the KDF input (X3DH §2.2), for domain separation from XEdDSA on curve25519. */
const F = new Uint8Array(32).fill(0xff);
const ZERO_SALT = new Uint8Array(32);

export interface KeyAgreement {
  /** SK: the 32-byte secret that seeds the Double Ratchet's root key. */
  sharedSecret: Uint8Array;
  /** AD = IK_initiator || IK_responder (Ed25519 public keys, 32 bytes each). */
  associatedData: Uint8Array;
}

export interface Initiation extends KeyAgreement {
  /** The fields the initial (prekey) message carries. */
  prekey: PrekeyFields;
  /** The responder's signed prekey: the initiator's first DHr. */
  remoteRatchetKey: Uint8Array;
}

/** The responder's private material named by an initial message, looked up by the caller. */
export interface ResponderKeys {
  signedPrekey: KeyPair;
  oneTimePrekey?: KeyPair | undefined;
  kemSecretKey?: Uint8Array | undefined;
}

/** KDF(KM) = HKDF-SHA-256(IKM = F || KM, salt = 32 zero bytes, info, 32 bytes). */
function kdf(keyMaterial: Uint8Array[], info: string): Uint8Array {
  const ikm = concatBytes(F, ...keyMaterial);
  const sk = hkdfSha256(ikm, ZERO_SALT, info, 32);
  for (const part of keyMaterial) part.fill(0);
  ikm.fill(0);
  return sk;
}

export interface InitiateOptions {
  /** Mix in the bundle's ML-KEM prekey when it has one (PQXDH). Default true. */
  postQuantum?: boolean;
}

/**
 * The initiator's side. `bundle` must come from verifyBundle (signatures checked).
 * DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B),
 * DH4 = DH(EK_A, OPK_B) when a one-time (or last-resort) prekey is present,
 * SS = ML-KEM-768 shared secret when a KEM prekey is present and allowed.
 */
export function initiate(identity: KeyPair, bundle: VerifiedBundle, options: InitiateOptions = {}): Initiation {
  const ephemeral = generateX25519KeyPair();
  const identitySecret = ed25519SecretToX25519(identity.secretKey);
  const remoteIdentity = ed25519PublicToX25519(bundle.identityKey);
  const spk = bundle.signedPrekey.publicKey;
  const material = [x25519(identitySecret, spk), x25519(ephemeral.secretKey, remoteIdentity), x25519(ephemeral.secretKey, spk)];
  identitySecret.fill(0);
  const prekey: PrekeyFields = { identityKey: identity.publicKey, baseKey: ephemeral.publicKey, signedPrekeyId: bundle.signedPrekey.keyId };
  if (bundle.oneTimePrekey !== undefined) {
    material.push(x25519(ephemeral.secretKey, bundle.oneTimePrekey.publicKey));
    prekey.oneTimePrekey = { keyId: bundle.oneTimePrekey.keyId, lastResort: bundle.oneTimePrekey.lastResort };
  }
  ephemeral.secretKey.fill(0);
  let info = X3DH_INFO;
  if (bundle.kemPrekey !== undefined && options.postQuantum !== false) {
    const { ciphertext, sharedSecret } = mlKemEncapsulate(bundle.kemPrekey.publicKey);
    material.push(sharedSecret);
    prekey.kem = { keyId: bundle.kemPrekey.keyId, lastResort: bundle.kemPrekey.lastResort, ciphertext };
    info = PQXDH_INFO;
  }
  return {
    sharedSecret: kdf(material, info),
    associatedData: concatBytes(identity.publicKey, bundle.identityKey),
    prekey,
    remoteRatchetKey: spk,
  };
}

/**
 * The responder's side: the same DH values from the other end, and the KEM
 * share by decapsulation. The caller has looked up (and will consume) the
 * prekeys the message names; authenticity is only established when the first
 * ratchet message decrypts under the resulting keys.
 */
export function respond(identity: KeyPair, fields: PrekeyFields, keys: ResponderKeys): KeyAgreement {
  const identitySecret = ed25519SecretToX25519(identity.secretKey);
  const remoteIdentity = ed25519PublicToX25519(fields.identityKey);
  const spk = keys.signedPrekey.secretKey;
  const material = [x25519(spk, remoteIdentity), x25519(identitySecret, fields.baseKey), x25519(spk, fields.baseKey)];
  identitySecret.fill(0);
  if (keys.oneTimePrekey !== undefined) material.push(x25519(keys.oneTimePrekey.secretKey, fields.baseKey));
  let info = X3DH_INFO;
  if (fields.kem !== undefined && keys.kemSecretKey !== undefined) {
    material.push(mlKemDecapsulate(fields.kem.ciphertext, keys.kemSecretKey));
    info = PQXDH_INFO;
  }
  return { sharedSecret: kdf(material, info), associatedData: concatBytes(fields.identityKey, identity.publicKey) };
}
