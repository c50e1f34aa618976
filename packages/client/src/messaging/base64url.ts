/** base64url without padding, in Node and browsers alike (btoa/atob are global in both). */

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The bytes of a received envelope.
 *
 * @example
 * const plaintext = await session.decrypt(decodeCiphertext(envelope));
 */
export function decodeCiphertext(envelope: { readonly ciphertext: string }): Uint8Array {
  return fromBase64Url(envelope.ciphertext);
}
