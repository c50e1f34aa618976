import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import type { AccountBundles, BundlePreKey, KeyUpload, Profile, SignedPreKey } from './directory.types.js';

/** The JSON shapes of the Directory API (binary fields as base64url) and their conversion to SDK types. */

export interface WireSignedKey {
  keyId: number;
  publicKey: string;
  signature: string;
}
interface WireBundleKey {
  keyId: number;
  publicKey: string;
  signature?: string;
  lastResort: boolean;
}
export interface WireBundles {
  accountId: string;
  devices: { deviceId: string; identityKey: string; signedPreKey: WireSignedKey; preKey: WireBundleKey; pqPreKey: WireBundleKey | null }[];
  devicesWithoutKeys: string[];
}
export interface WireProfile {
  accountId: string;
  displayName: string;
  blob: string | null;
  updatedAt: number;
}

const signedToWire = (key: SignedPreKey): WireSignedKey => ({
  keyId: key.keyId,
  publicKey: toBase64Url(key.publicKey),
  signature: toBase64Url(key.signature),
});

const signedFromWire = (key: WireSignedKey): SignedPreKey => ({
  keyId: key.keyId,
  publicKey: fromBase64Url(key.publicKey),
  signature: fromBase64Url(key.signature),
});

function bundleKeyFromWire(key: WireBundleKey): BundlePreKey {
  return {
    keyId: key.keyId,
    publicKey: fromBase64Url(key.publicKey),
    ...(key.signature === undefined ? {} : { signature: fromBase64Url(key.signature) }),
    lastResort: key.lastResort,
  };
}

export function uploadToWire(upload: KeyUpload): Record<string, unknown> {
  return {
    identityKey: toBase64Url(upload.identityKey),
    ...(upload.signedPreKey === undefined ? {} : { signedPreKey: signedToWire(upload.signedPreKey) }),
    ...(upload.lastResortPreKey === undefined ? {} : { lastResortPreKey: signedToWire(upload.lastResortPreKey) }),
    ...(upload.oneTimePreKeys === undefined
      ? {}
      : { oneTimePreKeys: upload.oneTimePreKeys.map((k) => ({ keyId: k.keyId, publicKey: toBase64Url(k.publicKey) })) }),
    ...(upload.pqLastResortPreKey === undefined ? {} : { pqLastResortPreKey: signedToWire(upload.pqLastResortPreKey) }),
    ...(upload.pqOneTimePreKeys === undefined ? {} : { pqOneTimePreKeys: upload.pqOneTimePreKeys.map(signedToWire) }),
  };
}

export function bundlesFromWire(wire: WireBundles): AccountBundles {
  return {
    accountId: wire.accountId,
    devices: wire.devices.map((d) => ({
      deviceId: d.deviceId,
      identityKey: fromBase64Url(d.identityKey),
      signedPreKey: signedFromWire(d.signedPreKey),
      preKey: bundleKeyFromWire(d.preKey),
      pqPreKey: d.pqPreKey === null ? null : bundleKeyFromWire(d.pqPreKey),
    })),
    devicesWithoutKeys: wire.devicesWithoutKeys,
  };
}

export function profileFromWire(wire: WireProfile): Profile {
  return {
    accountId: wire.accountId,
    displayName: wire.displayName,
    blob: wire.blob === null ? null : fromBase64Url(wire.blob),
    updatedAt: wire.updatedAt,
  };
}
