import { createHash, randomBytes } from 'node:crypto';

/** `bytes` random bytes as base64url (no padding): nonces, link codes, refresh-token secrets. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a high-entropy token, base64url. A plain hash is enough for
 * tokens of 256 random bits (nothing to brute-force); low-entropy secrets
 * use scrypt instead (recovery-secret.ts).
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Decodes strict base64url of exactly `length` bytes; null otherwise. */
export function decodeBase64url(text: string, length: number): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  // Round-trip so that non-canonical encodings (stray trailing bits) are refused too.
  if (bytes.length !== length || bytes.toString('base64url') !== text) return null;
  return new Uint8Array(bytes);
}
