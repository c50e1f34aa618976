// Plaintext padding, so ciphertext lengths reveal only a size bucket, not the
// exact message length: the content, then 0x80, then zeros up to a multiple
// of the block (ISO/IEC 7816-4 style, as Signal pads to 160-byte blocks).
import { E2eeError } from './e2ee.errors.js';

export const PADDING_BLOCK_BYTES = 160;

export function pad(plaintext: Uint8Array, block = PADDING_BLOCK_BYTES): Uint8Array {
  const length = (Math.floor(plaintext.length / block) + 1) * block;
  const out = new Uint8Array(length);
  out.set(plaintext);
  out[plaintext.length] = 0x80;
  return out;
}

/** Inverse of pad. The padding is inside the authenticated plaintext, so a bad one means a broken or hostile sender. */
export function unpad(padded: Uint8Array): Uint8Array {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) throw new E2eeError('E2EE_MALFORMED_ENVELOPE', 'The decrypted message has invalid padding');
  return padded.slice(0, end);
}
