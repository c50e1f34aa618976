import { AppError } from '@sanctum/kernel';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes base64url (no padding) strictly: Node's decoder silently skips bad
 * characters, so the alphabet is checked first and the round trip must match,
 * which also refuses non-canonical trailing bits.
 */
export function decodeBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** Decodes a binary field of a request, or answers 400 DIR_INVALID_KEY naming the field. */
export function decodeKey(text: string, field: string, allowedLengths: readonly number[]): Buffer {
  const bytes = decodeBase64Url(text);
  if (bytes === null) throw new AppError('DIR_INVALID_KEY', `${field} is not base64url`, 400, { field });
  if (!allowedLengths.includes(bytes.length)) {
    throw new AppError('DIR_INVALID_KEY', `${field} must be ${allowedLengths.join(' or ')} bytes, got ${bytes.length}`, 400, {
      field,
    });
  }
  return bytes;
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
