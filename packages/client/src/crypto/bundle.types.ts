// The public key material exchanged with the Directory, as JSON (every key
// and signature is unpadded base64url). Field names follow the Directory's
// upload and bundle routes.

/** A prekey signed by the device's Ed25519 identity key over the raw public key bytes. */
export interface SignedPrekeyJson {
  keyId: number;
  publicKey: string;
  signature: string;
}

/** A one-time X25519 prekey: not signed (as in X3DH); the Directory hands each out once. */
export interface OneTimePrekeyJson {
  keyId: number;
  publicKey: string;
}

/**
 * The prekey a bundle fetch returned for one slot: a one-time key, or the
 * device's reusable last-resort key when none was left (`lastResort: true`,
 * and then it carries the identity key's signature). Post-quantum (ML-KEM-768)
 * keys always carry a signature.
 */
export interface BundlePrekeyJson {
  keyId: number;
  publicKey: string;
  signature?: string | undefined;
  lastResort?: boolean | undefined;
}

/**
 * One device's prekey bundle as the Directory returns it
 * (`POST /v1/accounts/:accountId/bundle` → `devices[]`).
 */
export interface PrekeyBundle {
  deviceId?: string | undefined;
  /** Ed25519 identity key of the device. */
  identityKey: string;
  /** X25519 signed prekey. */
  signedPreKey: SignedPrekeyJson;
  /** X25519 one-time prekey, or the last-resort prekey; absent when the device has neither. */
  preKey?: BundlePrekeyJson | null | undefined;
  /** ML-KEM-768 one-time or last-resort prekey; absent or null when the device published none. */
  pqPreKey?: BundlePrekeyJson | null | undefined;
}

/** What a device uploads to the Directory (`PUT /v1/keys`): public halves only. */
export interface KeyUploadPayload {
  identityKey: string;
  signedPreKey?: SignedPrekeyJson;
  lastResortPreKey?: SignedPrekeyJson;
  oneTimePreKeys?: OneTimePrekeyJson[];
  pqLastResortPreKey?: SignedPrekeyJson;
  pqOneTimePreKeys?: SignedPrekeyJson[];
}
