// Turns a bundle from the Directory into checked bytes. The Directory is not
// trusted: every signature is verified here, on the device, before any key is used.
import type { BundlePrekeyJson, PrekeyBundle } from './bundle.types.js';
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  ML_KEM_768_PUBLIC_KEY_BYTES,
  X25519_KEY_BYTES,
  ed25519PublicToX25519,
  ed25519Verify,
  expectLength,
  fromBase64Url,
} from './crypto.primitives.js';
import { E2eeError } from './e2ee.errors.js';

/** Key ids are non-negative 31-bit integers (the Directory's range; they travel as uint32 in envelopes). */
export const KEY_ID_MAX = 2_147_483_647;

export interface VerifiedPrekey {
  keyId: number;
  publicKey: Uint8Array;
  lastResort: boolean;
}

export interface VerifiedBundle {
  identityKey: Uint8Array;
  signedPrekey: { keyId: number; publicKey: Uint8Array };
  oneTimePrekey?: VerifiedPrekey | undefined;
  kemPrekey?: VerifiedPrekey | undefined;
}

export function assertKeyId(keyId: unknown, what: string): number {
  if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > KEY_ID_MAX) {
    throw new E2eeError('E2EE_INVALID_KEY', `${what}.keyId must be an integer from 0 to ${KEY_ID_MAX}`);
  }
  return keyId;
}

function decodeKey(text: string, length: number, what: string): Uint8Array {
  const bytes = fromBase64Url(text, what);
  expectLength(bytes, length, what);
  return bytes;
}

function verifySignature(identityKey: Uint8Array, publicKey: Uint8Array, signature: string | undefined, what: string): void {
  if (signature === undefined) throw new E2eeError('E2EE_BAD_SIGNATURE', `${what} carries no signature`);
  const bytes = decodeKey(signature, ED25519_SIGNATURE_BYTES, `${what}.signature`);
  if (!ed25519Verify(identityKey, publicKey, bytes)) {
    throw new E2eeError('E2EE_BAD_SIGNATURE', `${what} is not signed by the device's identity key`);
  }
}

function verifyPrekey(
  identityKey: Uint8Array,
  json: BundlePrekeyJson,
  length: number,
  what: string,
  mustBeSigned: boolean,
): VerifiedPrekey {
  const keyId = assertKeyId(json.keyId, what);
  const publicKey = decodeKey(json.publicKey, length, `${what}.publicKey`);
  const lastResort = json.lastResort === true;
  // A last-resort key is reused, so it must be as trustworthy as the signed prekey.
  if (mustBeSigned || lastResort) verifySignature(identityKey, publicKey, json.signature, what);
  return { keyId, publicKey, lastResort };
}

/**
 * Checks a device bundle: lengths and encodings of every key, the identity
 * key's signature over the signed prekey, over the last-resort prekey and over
 * the ML-KEM prekey. Throws E2EE_INVALID_KEY or E2EE_BAD_SIGNATURE.
 *
 * @example
 * const verified = verifyBundle(directoryResponse.devices[0]);
 */
export function verifyBundle(bundle: PrekeyBundle): VerifiedBundle {
  const identityKey = decodeKey(bundle.identityKey, ED25519_PUBLIC_KEY_BYTES, 'identityKey');
  ed25519PublicToX25519(identityKey); // rejects bytes that are not a point before anything else is done with them
  const signedPrekeyId = assertKeyId(bundle.signedPreKey.keyId, 'signedPreKey');
  const signedPrekey = decodeKey(bundle.signedPreKey.publicKey, X25519_KEY_BYTES, 'signedPreKey.publicKey');
  verifySignature(identityKey, signedPrekey, bundle.signedPreKey.signature, 'signedPreKey');
  const verified: VerifiedBundle = { identityKey, signedPrekey: { keyId: signedPrekeyId, publicKey: signedPrekey } };
  if (bundle.preKey !== undefined && bundle.preKey !== null) {
    verified.oneTimePrekey = verifyPrekey(identityKey, bundle.preKey, X25519_KEY_BYTES, 'preKey', false);
  }
  if (bundle.pqPreKey !== undefined && bundle.pqPreKey !== null) {
    verified.kemPrekey = verifyPrekey(identityKey, bundle.pqPreKey, ML_KEM_768_PUBLIC_KEY_BYTES, 'pqPreKey', true);
  }
  return verified;
}
