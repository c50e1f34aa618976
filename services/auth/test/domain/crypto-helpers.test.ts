import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { parseIdentityKey, verifyDeviceSignature } from '../../src/domain/ed25519.js';
import { decodeBase64url, randomToken, tokenHash } from '../../src/domain/encoding.js';
import { RecoverySecretHasher } from '../../src/domain/recovery-secret.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('identity keys and device signatures', () => {
  const secret = ed25519.utils.randomSecretKey();
  const publicKey = b64(ed25519.getPublicKey(secret));
  const message = new TextEncoder().encode('hello');
  const signature = b64(ed25519.sign(message, secret));

  it('accepts a real key and refuses off-curve, small-order and malformed ones', () => {
    expect(parseIdentityKey(publicKey)).toHaveLength(32);
    expect(parseIdentityKey(b64(ed25519.Point.ZERO.toBytes()))).toBeNull();
    expect(parseIdentityKey(b64(new Uint8Array(32).fill(255)))).toBeNull();
    expect(parseIdentityKey('too-short')).toBeNull();
    expect(parseIdentityKey('*'.repeat(43))).toBeNull();
  });

  it('verifies a good signature and refuses everything else', async () => {
    expect(await verifyDeviceSignature(publicKey, message, signature)).toBe(true);
    expect(await verifyDeviceSignature(publicKey, new TextEncoder().encode('other'), signature)).toBe(false);
    expect(await verifyDeviceSignature(b64(ed25519.getPublicKey(ed25519.utils.randomSecretKey())), message, signature)).toBe(false);
    expect(await verifyDeviceSignature(null, message, signature)).toBe(false);
    expect(await verifyDeviceSignature(publicKey, message, 'not-a-signature')).toBe(false);
  });
});

describe('token encoding', () => {
  it('makes distinct random tokens and stable hashes', () => {
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(32)).not.toBe(randomToken(32));
    expect(tokenHash('abc')).toBe(tokenHash('abc'));
    expect(tokenHash('abc')).not.toBe(tokenHash('abd'));
  });

  it('decodes only canonical base64url of the expected length', () => {
    expect(decodeBase64url(b64(new Uint8Array([1, 2, 3])), 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(decodeBase64url('AQID', 4)).toBeNull();
    expect(decodeBase64url('AQI=', 2)).toBeNull();
    expect(decodeBase64url('AQJ', 2)).toBeNull(); // stray trailing bits
  });
});

describe('recovery secrets', () => {
  const hasher = new RecoverySecretHasher(1024);

  it('verifies the right secret only, with a salted self-describing hash', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(await hasher.hash('correct horse battery staple')).not.toBe(stored);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'wrong horse battery staple')).toBe(false);
    expect(await hasher.verify(null, 'correct horse battery staple')).toBe(false);
    expect(await hasher.verify('bcrypt$whatever', 'x')).toBe(false);
  });

  it('refuses a cost that is not a power of two', () => {
    expect(() => new RecoverySecretHasher(1000)).toThrow(/power of two/);
  });
});

describe('signed messages', () => {
  it('are byte for byte what the SDK signs', async () => {
    const { authMessages } = await import('@sanctum/client');
    const { signedMessages } = await import('../../src/domain/signed-messages.js');
    const cases: [Uint8Array, Uint8Array][] = [
      [signedMessages.createAccount('n', 'k'), authMessages.createAccount('n', 'k')],
      [signedMessages.signIn('n', 'd'), authMessages.signIn('n', 'd')],
      [signedMessages.deleteAccount('n', 'a', 'd'), authMessages.deleteAccount('n', 'a', 'd')],
      [signedMessages.recover('n', 'a', 'k'), authMessages.recover('n', 'a', 'k')],
      [signedMessages.linkApprove('l', 'a', 'd', 'k'), authMessages.linkApprove('l', 'a', 'd', 'k')],
      [signedMessages.linkComplete('l', 'n', 'k'), authMessages.linkComplete('l', 'n', 'k')],
    ];
    for (const [server, sdk] of cases) expect(Buffer.from(server).toString()).toBe(Buffer.from(sdk).toString());
  });
});
