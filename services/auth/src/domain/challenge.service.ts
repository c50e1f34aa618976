import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthData, Stores } from '../store/auth-data.js';
import type { Clock } from './clock.js';
import { verifyDeviceSignature } from './ed25519.js';
import { decodeBase64url } from './encoding.js';

/** `device`: sign-in or step-up by a known device id; `key`: enrolment of a new identity key. */
export type ChallengeKind = 'device' | 'key';

export interface IssuedChallenge {
  readonly nonce: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** What a device must have signed to pass a challenge. */
export interface ChallengeProof {
  readonly nonce: string;
  readonly kind: ChallengeKind;
  /** The device id or identity key the nonce must have been issued for. */
  readonly subject: string;
  /** The key that must have signed, or null when unknown (the check then fails at the same cost). */
  readonly identityKey: string | null;
  readonly message: Uint8Array;
  readonly signature: string;
}

/** A proof that passed; spend it inside the transaction that acts on it. */
export interface PassedChallenge {
  readonly nonce: string;
  readonly expiresAt: number;
}

const RANDOM_BYTES = 16;
const TIME_BYTES = 8;
const TAG_BYTES = 16;
/** base64url of 16 random bytes, 8 bytes expiry, 16 bytes tag. */
export const NONCE_LENGTH = 54;

/**
 * Single-use challenge nonces with a short lifetime, without storing them
 * when issued: a nonce carries its expiry and a MAC over (kind, subject,
 * random, expiry) under a key derived from the key-encryption key, so every
 * instance can check it, and issuing one costs no database write — asking
 * for challenges fills no table, whether or not the device exists. Single
 * use is enforced when the nonce is spent: `spend` inserts it into
 * `spent_challenges` inside the transaction that acts on it, which succeeds
 * for exactly one request. A failed proof spends the nonce at once.
 */
export class ChallengeService {
  constructor(
    private readonly data: AuthData,
    private readonly clock: Clock,
    private readonly ttlS: number,
    private readonly macKey: Uint8Array,
  ) {}

  /** Issues a nonce for `subject`; the answer is the same whether or not the device or key exists. */
  issue(kind: ChallengeKind, subject: string): IssuedChallenge {
    const random = randomBytes(RANDOM_BYTES);
    const expiresAt = this.clock.nowMs() + this.ttlS * 1000;
    const time = Buffer.alloc(TIME_BYTES);
    time.writeBigUInt64BE(BigInt(expiresAt));
    const nonce = Buffer.concat([random, time, this.tag(kind, subject, random, time)]).toString('base64url');
    return { nonce, expiresAt };
  }

  /**
   * Checks that the nonce was issued by Auth for this kind and subject, has
   * not expired, and that the signature is good. The signature is verified
   * whatever else is wrong, so every failure costs the same time. A failure
   * with a genuine nonce spends it.
   */
  async check(proof: ChallengeProof): Promise<PassedChallenge | undefined> {
    const bytes = decodeBase64url(proof.nonce, RANDOM_BYTES + TIME_BYTES + TAG_BYTES);
    const signed = await verifyDeviceSignature(proof.identityKey, proof.message, proof.signature);
    if (bytes === null) return undefined;
    const random = bytes.subarray(0, RANDOM_BYTES);
    const time = bytes.subarray(RANDOM_BYTES, RANDOM_BYTES + TIME_BYTES);
    const genuine = timingSafeEqual(bytes.subarray(RANDOM_BYTES + TIME_BYTES), this.tag(proof.kind, proof.subject, random, time));
    if (!genuine) return undefined;
    const expiresAt = Number(Buffer.from(time).readBigUInt64BE());
    const passed = { nonce: proof.nonce, expiresAt };
    if (signed && expiresAt > this.clock.nowMs()) return passed;
    await this.data.stores.challenges.spend(passed.nonce, passed.expiresAt);
    return undefined;
  }

  /** Spends a passed challenge inside the caller's transaction; false when another request spent it first. */
  async spend(tx: Stores, passed: PassedChallenge): Promise<boolean> {
    return tx.challenges.spend(passed.nonce, passed.expiresAt);
  }

  private tag(kind: ChallengeKind, subject: string, random: Uint8Array, time: Uint8Array): Buffer {
    return createHmac('sha256', this.macKey)
      .update(`sanctum-auth/challenge/v1\n${kind}\n${subject}\n`)
      .update(random)
      .update(time)
      .digest()
      .subarray(0, TAG_BYTES);
  }
}
