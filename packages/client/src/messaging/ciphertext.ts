import { fromBase64Url } from '../encoding/base64url.js';

/**
 * The bytes of a received envelope.
 *
 * @example
 * const plaintext = await session.decrypt(decodeCiphertext(envelope));
 */
export function decodeCiphertext(envelope: { readonly ciphertext: string }): Uint8Array {
  return fromBase64Url(envelope.ciphertext);
}
