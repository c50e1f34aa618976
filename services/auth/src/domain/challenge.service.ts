import type { ChallengeKind } from '../store/challenge.store.js';
import type { AuthData } from '../store/auth-data.js';
import type { Clock } from './clock.js';
import { verifyDeviceSignature } from './ed25519.js';
import { randomToken } from './encoding.js';

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

/**
 * Single-use nonces with a short lifetime. Checking a proof reads the nonce
 * and verifies the signature; the caller then consumes the nonce inside the
 * transaction that acts on it (`tx.challenges.consume`), which only one
 * request can do. A failed proof burns the nonce at once.
 */
export class ChallengeService {
  constructor(
    private readonly data: AuthData,
    private readonly clock: Clock,
    private readonly ttlS: number,
  ) {}

  /**
   * Issues a nonce for `subject`. It is stored whether or not the device or
   * key exists, so the answer reveals nothing about either.
   */
  async issue(kind: ChallengeKind, subject: string): Promise<IssuedChallenge> {
    const challenge = { nonce: randomToken(32), kind, subject, expiresAt: this.clock.nowMs() + this.ttlS * 1000 };
    await this.data.stores.challenges.insert(challenge);
    return { nonce: challenge.nonce, expiresAt: challenge.expiresAt };
  }

  /** True when the nonce is live, was issued for this subject and the signature is good; false burns it. */
  async check(proof: ChallengeProof): Promise<boolean> {
    const challenge = await this.data.stores.challenges.find(proof.nonce);
    const issuedForThis =
      challenge?.kind === proof.kind &&
      challenge.subject === proof.subject &&
      challenge.expiresAt > this.clock.nowMs();
    // Verify even when the nonce is already wrong, so every failure takes the same time.
    const signed = await verifyDeviceSignature(proof.identityKey, proof.message, proof.signature);
    if (issuedForThis && signed) return true;
    if (challenge !== undefined) await this.data.stores.challenges.consume(proof.nonce);
    return false;
  }
}
