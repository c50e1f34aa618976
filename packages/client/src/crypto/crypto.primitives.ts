// Every primitive the protocols use, in one place, over the audited @noble
// libraries. Nothing here touches node:* so the SDK runs unchanged in browsers;
// randomness comes from globalThis.crypto.getRandomValues (through @noble).
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 as x25519Curve } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 as sha512Hash } from '@noble/hashes/sha2.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { E2eeError } from './e2ee.errors.js';
import { fromBase64Url as decodeBase64Url, toBase64Url } from '../encoding/base64url.js';

export const X25519_KEY_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;
export const ML_KEM_768_PUBLIC_KEY_BYTES = 1184;
export const ML_KEM_768_CIPHERTEXT_BYTES = 1088;
export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export function randomBytes(length: number): Uint8Array {
  return nobleRandomBytes(length);
}

// ---- X25519 ---------------------------------------------------------------

export function generateX25519KeyPair(): KeyPair {
  return x25519Curve.keygen();
}

/**
 * X25519(secret, public). @noble refuses the low-order points whose shared
 * secret would be all zeros (RFC 7748 §6.1), which we surface as an invalid key.
 */
export function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  expectLength(publicKey, X25519_KEY_BYTES, 'X25519 public key');
  try {
    return x25519Curve.getSharedSecret(secretKey, publicKey);
  } catch {
    throw new E2eeError('E2EE_INVALID_KEY', 'X25519 public key is not usable (low order or malformed)');
  }
}

// ---- Ed25519 (identity keys) ----------------------------------------------

export function generateEd25519KeyPair(): KeyPair {
  return ed25519.keygen();
}

export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}

/** Strict RFC 8032 verification (not ZIP-215), the same rule the Directory applies with node:crypto. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // @noble throws on wrong lengths and answers false for everything else (non-points, S >= L, bad signatures).
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  return ed25519.verify(signature, message, publicKey, { zip215: false });
}

/** The birational map Edwards → Montgomery (RFC 7748 §4.1): the identity key's X25519 public half. */
export function ed25519PublicToX25519(publicKey: Uint8Array): Uint8Array {
  expectLength(publicKey, ED25519_PUBLIC_KEY_BYTES, 'Ed25519 public key');
  try {
    return ed25519.utils.toMontgomery(publicKey);
  } catch {
    throw new E2eeError('E2EE_INVALID_KEY', 'Ed25519 public key is not a curve point');
  }
}

/** The X25519 scalar of an Ed25519 secret key (clamped first half of SHA-512(seed), as RFC 8032 signing uses). */
export function ed25519SecretToX25519(secretKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(secretKey);
}

// ---- ML-KEM-768 (FIPS 203) --------------------------------------------------

export function generateMlKemKeyPair(): KeyPair {
  return ml_kem768.keygen();
}

export function mlKemEncapsulate(publicKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  expectLength(publicKey, ML_KEM_768_PUBLIC_KEY_BYTES, 'ML-KEM-768 public key');
  try {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey);
    return { ciphertext: cipherText, sharedSecret };
  } catch {
    // FIPS 203 §7.2 input check: coefficients of the encapsulation key must be reduced.
    throw new E2eeError('E2EE_INVALID_KEY', 'ML-KEM-768 public key fails the FIPS 203 modulus check');
  }
}

/** Implicit rejection: a wrong ciphertext yields a pseudorandom secret, so tampering shows up as an AEAD failure. */
export function mlKemDecapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  expectLength(ciphertext, ML_KEM_768_CIPHERTEXT_BYTES, 'ML-KEM-768 ciphertext');
  return ml_kem768.decapsulate(ciphertext, secretKey);
}

// ---- Hashes and KDFs ---------------------------------------------------------

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: string | Uint8Array, length: number): Uint8Array {
  return hkdf(sha256, ikm, salt, typeof info === 'string' ? utf8(info) : info, length);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

export function sha512(data: Uint8Array): Uint8Array {
  return sha512Hash(data);
}

// ---- AEAD: XChaCha20-Poly1305 ------------------------------------------------

export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
}

/** Throws E2EE_DECRYPT_FAILED when the tag does not verify (wrong key, nonce, data or associated data). */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array {
  if (ciphertext.length < AEAD_TAG_BYTES) throw new E2eeError('E2EE_DECRYPT_FAILED', 'Ciphertext is shorter than its tag');
  try {
    return xchacha20poly1305(key, nonce, associatedData).decrypt(ciphertext);
  } catch {
    throw new E2eeError('E2EE_DECRYPT_FAILED', 'Message authentication failed');
  }
}

// ---- Bytes ---------------------------------------------------------------------

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Compares in time that depends only on the lengths, never on where the inputs differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Lexicographic byte order, for canonical sorting of keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function expectLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new E2eeError('E2EE_INVALID_KEY', `${what} must be ${length} bytes, got ${bytes.length}`);
}

// ---- base64url without padding (RFC 4648 §5), the encoding of every key in JSON --

export { toBase64Url };

/** Strict decoding (see encoding/base64url.ts), reported as an E2EE error naming the field. */
export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  try {
    return decodeBase64Url(text);
  } catch {
    throw new E2eeError('E2EE_INVALID_KEY', `${what} is not unpadded base64url`);
  }
}
