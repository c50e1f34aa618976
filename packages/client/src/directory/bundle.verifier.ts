import { ed25519 } from '@noble/curves/ed25519.js';
import type { DeviceBundle } from './directory.types.js';

/** A bundle whose signatures do not check out against its identity key: never start a session with it. */
export class BundleSignatureError extends Error {
  override readonly name = 'BundleSignatureError';

  constructor(
    readonly deviceId: string,
    readonly field: 'signedPreKey' | 'preKey' | 'pqPreKey',
  ) {
    super(`The ${field} of device ${deviceId} is not signed by its identity key`);
  }
}

function valid(signature: Uint8Array, message: Uint8Array, identityKey: Uint8Array): boolean {
  try {
    // Strict RFC 8032 rules, as the Directory (OpenSSL) applies on upload.
    return ed25519.verify(signature, message, identityKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Checks every signature in a device bundle against the bundle's identity key:
 * the signed prekey, the last-resort key when one was handed out, and the
 * post-quantum key. Throws BundleSignatureError on the first bad one.
 *
 * @example
 * const bundles = await directory.fetchBundles(accountId); // already verified
 * verifyDeviceBundle(bundles.devices[0]!); // for bundles from elsewhere
 */
export function verifyDeviceBundle(bundle: DeviceBundle): void {
  const { identityKey } = bundle;
  if (!valid(bundle.signedPreKey.signature, bundle.signedPreKey.publicKey, identityKey)) {
    throw new BundleSignatureError(bundle.deviceId, 'signedPreKey');
  }
  const { preKey, pqPreKey } = bundle;
  if (preKey.lastResort && (preKey.signature === undefined || !valid(preKey.signature, preKey.publicKey, identityKey))) {
    throw new BundleSignatureError(bundle.deviceId, 'preKey');
  }
  if (pqPreKey !== null && (pqPreKey.signature === undefined || !valid(pqPreKey.signature, pqPreKey.publicKey, identityKey))) {
    throw new BundleSignatureError(bundle.deviceId, 'pqPreKey');
  }
}
