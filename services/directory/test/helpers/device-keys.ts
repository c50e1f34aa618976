import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** A device's identity key pair, as the SDK would hold it. */
export class TestIdentity {
  private constructor(
    private readonly privateKey: KeyObject,
    /** Raw 32-byte Ed25519 public key. */
    readonly publicKey: Buffer,
  ) {}

  static generate(): TestIdentity {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    return new TestIdentity(privateKey, Buffer.from(jwk.x!, 'base64url'));
  }

  get publicKeyText(): string {
    return this.publicKey.toString('base64url');
  }

  sign(message: Uint8Array): string {
    return sign(null, message, this.privateKey).toString('base64url');
  }

  /** A signed key of `bytes` random bytes (the server treats X25519 and ML-KEM public keys as opaque bytes of a fixed length). */
  signedKey(keyId: number, bytes = 32): { keyId: number; publicKey: string; signature: string } {
    const publicKey = randomBytes(bytes);
    return { keyId, publicKey: publicKey.toString('base64url'), signature: this.sign(publicKey) };
  }
}

export function oneTimeKeys(firstId: number, count: number): { keyId: number; publicKey: string }[] {
  return Array.from({ length: count }, (_, i) => ({ keyId: firstId + i, publicKey: randomBytes(32).toString('base64url') }));
}

/** ML-KEM-768 encapsulation key length. */
export const ML_KEM_768_BYTES = 1184;
