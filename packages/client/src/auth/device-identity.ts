import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';

/**
 * A device's Ed25519 identity key pair. The private key never leaves the
 * device: Auth only ever sees the public key and signatures. Persist
 * `secretKey` in the platform's secure storage and restore it with
 * `DeviceIdentity.fromSecretKey`.
 *
 * @example
 * const identity = DeviceIdentity.generate();
 * const tokens = await auth.createAccount({ identity });
 * saveSecurely(identity.secretKeyBase64url);
 * // …later, on the same device
 * const again = DeviceIdentity.fromSecretKey(loadSecurely());
 */
export class DeviceIdentity {
  /** Public key, 32 bytes. */
  readonly publicKey: Uint8Array;

  private constructor(private readonly secret: Uint8Array) {
    this.publicKey = ed25519.getPublicKey(secret);
  }

  /** A fresh key pair from the platform's secure random source. */
  static generate(): DeviceIdentity {
    return new DeviceIdentity(ed25519.utils.randomSecretKey());
  }

  /** Restores an identity from its 32-byte secret key (bytes or base64url). */
  static fromSecretKey(secretKey: Uint8Array | string): DeviceIdentity {
    const bytes = typeof secretKey === 'string' ? fromBase64Url(secretKey) : secretKey;
    if (bytes.length !== 32) throw new Error('An Ed25519 secret key is 32 bytes');
    return new DeviceIdentity(new Uint8Array(bytes));
  }

  /** The public key as Auth expects it: base64url, no padding. */
  get publicKeyBase64url(): string {
    return toBase64Url(this.publicKey);
  }

  /** The secret key, for secure storage only. */
  get secretKeyBase64url(): string {
    return toBase64Url(this.secret);
  }

  /** Signs `message` (64-byte Ed25519 signature). */
  sign(message: Uint8Array): Uint8Array {
    return ed25519.sign(message, this.secret);
  }

  /** Signs `message` and returns the signature as base64url, as Auth's routes take it. */
  signBase64url(message: Uint8Array): string {
    return toBase64Url(this.sign(message));
  }

  /** Checks a signature by any Ed25519 public key (for example an approval signed by another device). */
  static verify(publicKey: Uint8Array | string, message: Uint8Array, signature: Uint8Array | string): boolean {
    const key = typeof publicKey === 'string' ? fromBase64Url(publicKey) : publicKey;
    const sig = typeof signature === 'string' ? fromBase64Url(signature) : signature;
    try {
      return ed25519.verify(sig, message, key);
    } catch {
      return false;
    }
  }
}

/** A recovery secret with 256 bits of entropy, base64url; show it once to the user to write down. */
export function generateRecoverySecret(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}
