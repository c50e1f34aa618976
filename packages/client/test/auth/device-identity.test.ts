import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '../../src/encoding/base64url.js';
import { DeviceIdentity, authMessages, generateRecoverySecret } from '../../src/index.js';

describe('DeviceIdentity', () => {
  it('signs so that its public key verifies, and survives a round trip through storage', () => {
    const identity = DeviceIdentity.generate();
    const message = authMessages.signIn('nonce', 'device');
    const signature = identity.signBase64url(message);
    expect(identity.publicKeyBase64url).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(DeviceIdentity.verify(identity.publicKeyBase64url, message, signature)).toBe(true);
    expect(DeviceIdentity.verify(identity.publicKey, authMessages.signIn('other', 'device'), signature)).toBe(false);
    expect(DeviceIdentity.verify(identity.publicKey, message, 'AAAA')).toBe(false);

    const restored = DeviceIdentity.fromSecretKey(identity.secretKeyBase64url);
    expect(restored.publicKeyBase64url).toBe(identity.publicKeyBase64url);
    expect(DeviceIdentity.fromSecretKey(fromBase64Url(identity.secretKeyBase64url)).publicKeyBase64url).toBe(identity.publicKeyBase64url);
    expect(DeviceIdentity.generate().publicKeyBase64url).not.toBe(identity.publicKeyBase64url);
  });

  it('refuses a secret key of the wrong size', () => {
    expect(() => DeviceIdentity.fromSecretKey(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it('generates recovery secrets with 256 bits of entropy', () => {
    const secret = generateRecoverySecret();
    expect(fromBase64Url(secret)).toHaveLength(32);
    expect(generateRecoverySecret()).not.toBe(secret);
  });

  it('builds every signed message with the domain tag and its purpose', () => {
    const decoded = (bytes: Uint8Array) => new TextDecoder().decode(bytes).split('\n');
    expect(decoded(authMessages.createAccount('n', 'k'))).toEqual(['sanctum-auth/v1', 'create-account', 'n', 'k']);
    expect(decoded(authMessages.deleteAccount('n', 'a', 'd'))).toEqual(['sanctum-auth/v1', 'delete-account', 'n', 'a', 'd']);
    expect(decoded(authMessages.recover('n', 'a', 'k'))).toEqual(['sanctum-auth/v1', 'recover', 'n', 'a', 'k']);
    expect(decoded(authMessages.linkApprove('l', 'a', 'd', 'k'))).toEqual(['sanctum-auth/v1', 'link-approve', 'l', 'a', 'd', 'k']);
    expect(decoded(authMessages.linkComplete('l', 'n', 'k'))).toEqual(['sanctum-auth/v1', 'link-complete', 'l', 'n', 'k']);
  });
});
