/**
 * Why a cryptographic operation on the device was refused. These are client
 * errors (nothing goes over the wire with them); docs/e2ee.md lists each one.
 */
export type E2eeErrorCode =
  /** A key has the wrong length or is not a valid curve point / KEM key. */
  | 'E2EE_INVALID_KEY'
  /** A prekey signature does not verify under the device's identity key. */
  | 'E2EE_BAD_SIGNATURE'
  /** A prekey message names a prekey this device does not hold (never had it, or it was consumed). */
  | 'E2EE_UNKNOWN_PREKEY'
  /** A prekey message replays a key agreement that was already accepted. */
  | 'E2EE_PREKEY_REUSED'
  /** Authentication failed: tampered ciphertext or header, or the wrong session. */
  | 'E2EE_DECRYPT_FAILED'
  /** The message key was already used (a replay or a redelivery). */
  | 'E2EE_DUPLICATE_MESSAGE'
  /** The header asks to skip more message keys than MAX_SKIP allows. */
  | 'E2EE_TOO_MANY_SKIPPED'
  /** The session manager requires PQXDH and the bundle has no ML-KEM prekey. */
  | 'E2EE_POST_QUANTUM_REQUIRED'
  /** The envelope bytes cannot be parsed. */
  | 'E2EE_MALFORMED_ENVELOPE'
  /** The envelope's version byte is not one this SDK speaks. */
  | 'E2EE_UNSUPPORTED_VERSION'
  /** A normal message arrived from a device with which there is no session. */
  | 'E2EE_NO_SESSION'
  /** The peer device presents an identity key other than the one recorded for it. */
  | 'E2EE_IDENTITY_CHANGED'
  /** Serialised state that cannot be read back (corrupt or from an unknown version). */
  | 'E2EE_INVALID_STATE';

/**
 * The one error type of the SDK's end-to-end encryption. Branch on `code`.
 *
 * @example
 * try { await sessions.decrypt(envelope); }
 * catch (error) { if (error instanceof E2eeError && error.code === 'E2EE_DUPLICATE_MESSAGE') ack(envelope); }
 */
export class E2eeError extends Error {
  override readonly name = 'E2eeError';

  constructor(
    readonly code: E2eeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
