import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeBase64url } from './encoding.js';

export const IDENTITY_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/**
 * Decodes a device identity key (base64url, 32 bytes) and refuses anything
 * that is not a usable Ed25519 public key: bytes off the curve, and
 * small-order points, for which signatures can be forged without a secret.
 * Returns null when the key is unusable.
 */
export function parseIdentityKey(text: string): Uint8Array | null {
  const bytes = decodeBase64url(text, IDENTITY_KEY_BYTES);
  if (bytes === null) return null;
  try {
    return ed25519.Point.fromBytes(bytes).isSmallOrder() ? null : bytes;
  } catch {
    return null;
  }
}

function keyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/**
 * A fixed valid key, verified against when the real one is unknown (a
 * sign-in for a device that does not exist), so such an attempt costs the
 * same time as a wrong signature and reveals nothing.
 */
const STAND_IN_KEY = ed25519.getPublicKey(new Uint8Array(32).fill(7));

/**
 * Verifies an Ed25519 signature (base64url) by `identityKey` (base64url, or
 * null for "unknown": the work is done on a stand-in key and the answer is
 * false). Runs on libuv's thread pool so verification does not block the
 * event loop.
 */
export async function verifyDeviceSignature(identityKey: string | null, message: Uint8Array, signature: string): Promise<boolean> {
  const known = identityKey === null ? null : decodeBase64url(identityKey, IDENTITY_KEY_BYTES);
  const sig = decodeBase64url(signature, SIGNATURE_BYTES) ?? new Uint8Array(SIGNATURE_BYTES);
  const key = keyObject(known ?? STAND_IN_KEY);
  const valid = await new Promise<boolean>((resolve) => {
    verify(null, message, key, sig, (error, result) => {
      resolve(error === null && result);
    });
  });
  return valid && known !== null && decodeBase64url(signature, SIGNATURE_BYTES) !== null;
}
