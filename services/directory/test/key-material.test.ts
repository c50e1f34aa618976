import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, decodeKey, encodeBase64Url } from '../src/domain/binary.codec.js';
import { ed25519PublicKey, verifyEd25519 } from '../src/domain/key.signature.js';

describe('key material helpers', () => {
  it('decodes only canonical base64url', () => {
    expect(decodeBase64Url('AQID')).toEqual(Buffer.from([1, 2, 3]));
    expect(decodeBase64Url('')).toEqual(Buffer.alloc(0));
    expect(decodeBase64Url('AQID=')).toBeNull(); // padding
    expect(decodeBase64Url('AQ+D')).toBeNull(); // base64, not base64url
    expect(decodeBase64Url('AQIDB')).toBeNull(); // impossible length
    expect(decodeBase64Url('AR')).toBeNull(); // non-zero trailing bits
    expect(encodeBase64Url(new Uint8Array([1, 2, 3]))).toBe('AQID');
    expect(() => decodeKey('AQID', 'f', [32])).toThrow(/f must be 32 bytes, got 3/);
  });

  it('verifies Ed25519 signatures over exactly the given bytes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const key = ed25519PublicKey(raw)!;
    const message = Buffer.from('prekey bytes');
    const signature = sign(null, message, privateKey);
    expect(verifyEd25519(key, message, signature)).toBe(true);
    expect(verifyEd25519(key, Buffer.from('other bytes'), signature)).toBe(false);
    expect(verifyEd25519(key, message, signature.subarray(0, 63))).toBe(false);
    expect(ed25519PublicKey(Buffer.alloc(31))).toBeNull();
  });
});
