import { base64urlnopad } from '@scure/base';

/**
 * base64url without padding (RFC 4648 §5): the encoding of every binary field
 * in Sanctum's JSON APIs (keys, signatures, ciphertexts). One implementation
 * for the whole SDK, from @scure/base (audited, isomorphic, strict: it refuses
 * padding, characters outside the alphabet and non-zero trailing bits, so a
 * byte string has exactly one accepted text form).
 *
 * @example
 * fromBase64Url(toBase64Url(new Uint8Array([1, 2, 3]))); // Uint8Array [1, 2, 3]
 */
export function toBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/** Decodes unpadded base64url; throws an Error on anything else. */
export function fromBase64Url(text: string): Uint8Array {
  return base64urlnopad.decode(text);
}
