/** An account's handle, as the server stores it (normalised: NFKC, lower case). */
export interface HandleInfo {
  handle: string;
  accountId: string;
}

export interface Profile {
  accountId: string;
  /** Plain text, visible to the server. */
  displayName: string;
  /** The client-encrypted profile; the server never reads it. */
  blob: Uint8Array | null;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

export interface ProfileUpdate {
  displayName: string;
  /** Encrypt before setting it; null or absent clears it. */
  blob?: Uint8Array | null;
}

/** A public key signed by the device's Ed25519 identity key (signature over the raw public key bytes). */
export interface SignedPreKey {
  keyId: number;
  publicKey: Uint8Array;
  signature: Uint8Array;
}

/** An unsigned X25519 one-time prekey. */
export interface OneTimePreKey {
  keyId: number;
  publicKey: Uint8Array;
}

/**
 * What a device uploads. Signed and last-resort keys given replace the stored
 * ones; one-time keys are added. The first upload must carry `signedPreKey`
 * and `lastResortPreKey`. Post-quantum keys (ML-KEM-768 or -1024) are optional.
 */
export interface KeyUpload {
  /** The device's Ed25519 identity public key (must be the one registered with Auth). */
  identityKey: Uint8Array;
  signedPreKey?: SignedPreKey;
  lastResortPreKey?: SignedPreKey;
  oneTimePreKeys?: OneTimePreKey[];
  pqLastResortPreKey?: SignedPreKey;
  pqOneTimePreKeys?: SignedPreKey[];
}

export interface KeyCounts {
  oneTimePreKeys: number;
  pqOneTimePreKeys: number;
  hasSignedPreKey: boolean;
  hasLastResortPreKey: boolean;
  hasPqLastResortPreKey: boolean;
}

/** A key handed out in a bundle: a consumed one-time key, or the reusable last-resort key when none was left. */
export interface BundlePreKey {
  keyId: number;
  publicKey: Uint8Array;
  /** Present on post-quantum keys and on the classic last-resort key. */
  signature?: Uint8Array;
  lastResort: boolean;
}

/** Everything needed to start a session with one device (X3DH / PQXDH). */
export interface DeviceBundle {
  deviceId: string;
  identityKey: Uint8Array;
  signedPreKey: SignedPreKey;
  preKey: BundlePreKey;
  pqPreKey: BundlePreKey | null;
}

export interface AccountBundles {
  accountId: string;
  devices: DeviceBundle[];
  /** Active devices that have not uploaded keys yet: no session can be started with them. */
  devicesWithoutKeys: string[];
}

export interface DeviceInfo {
  deviceId: string;
  identityKey: Uint8Array;
  createdAt: number;
}
