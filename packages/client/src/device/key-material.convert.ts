// The crypto layer speaks the Directory's JSON (base64url strings); the typed
// DirectoryClient speaks bytes. These two functions are the only bridge.
import type { PrekeyBundle, SignedPrekeyJson } from '../crypto/bundle.types.js';
import type { BundlePreKey, DeviceBundle, KeyUpload, SignedPreKey } from '../directory/directory.types.js';
import type { KeyUploadPayload } from '../crypto/bundle.types.js';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';

function signedFromJson(key: SignedPrekeyJson): SignedPreKey {
  return { keyId: key.keyId, publicKey: fromBase64Url(key.publicKey), signature: fromBase64Url(key.signature) };
}

/** A PrekeyGenerator upload body as DirectoryClient.uploadKeys takes it. */
export function keyUploadFromPayload(payload: KeyUploadPayload): KeyUpload {
  const upload: KeyUpload = { identityKey: fromBase64Url(payload.identityKey) };
  if (payload.signedPreKey !== undefined) upload.signedPreKey = signedFromJson(payload.signedPreKey);
  if (payload.lastResortPreKey !== undefined) upload.lastResortPreKey = signedFromJson(payload.lastResortPreKey);
  if (payload.pqLastResortPreKey !== undefined) upload.pqLastResortPreKey = signedFromJson(payload.pqLastResortPreKey);
  if (payload.oneTimePreKeys !== undefined) {
    upload.oneTimePreKeys = payload.oneTimePreKeys.map((key) => ({ keyId: key.keyId, publicKey: fromBase64Url(key.publicKey) }));
  }
  if (payload.pqOneTimePreKeys !== undefined) upload.pqOneTimePreKeys = payload.pqOneTimePreKeys.map(signedFromJson);
  return upload;
}

function bundlePrekeyToJson(key: BundlePreKey): PrekeyBundle['preKey'] {
  return {
    keyId: key.keyId,
    publicKey: toBase64Url(key.publicKey),
    lastResort: key.lastResort,
    ...(key.signature === undefined ? {} : { signature: toBase64Url(key.signature) }),
  };
}

/** A DirectoryClient bundle as the SessionManager verifies and uses it. */
export function prekeyBundleFromDevice(bundle: DeviceBundle): PrekeyBundle & { deviceId: string } {
  return {
    deviceId: bundle.deviceId,
    identityKey: toBase64Url(bundle.identityKey),
    signedPreKey: {
      keyId: bundle.signedPreKey.keyId,
      publicKey: toBase64Url(bundle.signedPreKey.publicKey),
      signature: toBase64Url(bundle.signedPreKey.signature),
    },
    preKey: bundlePrekeyToJson(bundle.preKey),
    pqPreKey: bundle.pqPreKey === null ? null : bundlePrekeyToJson(bundle.pqPreKey),
  };
}
