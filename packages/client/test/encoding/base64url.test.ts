import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '@sanctum/client';

describe('base64url', () => {
  it('round-trips every length without padding, as Node encodes it', () => {
    for (const length of [0, 1, 2, 3, 31, 32, 33, 64]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it('refuses padding, other alphabets and non-canonical trailing bits', () => {
    for (const text of ['AQ==', 'a+b/', 'ab c', 'AR', 'A']) expect(() => fromBase64Url(text), text).toThrow();
  });
});
