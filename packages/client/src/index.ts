// The Sanctum client SDK (isomorphic: Node >= 20 and browsers).
// Transport and errors; the auth, directory, messaging and crypto parts sit in folders beside this file.
export { HttpClient } from './http/http-client.js';
export type { HttpResponse, RequestOptions } from './http/http-client.js';
export { SanctumApiError } from './http/api-error.js';
export * from './crypto/index.js';

export { DirectoryClient } from './directory/directory.client.js';
export type { AccessTokenSource, DirectoryClientOptions } from './directory/directory.client.js';
export { BundleSignatureError, verifyDeviceBundle } from './directory/bundle.verifier.js';
export type {
  AccountBundles,
  BundlePreKey,
  DeviceBundle,
  DeviceInfo,
  HandleInfo,
  KeyCounts,
  KeyUpload,
  OneTimePreKey,
  Profile,
  ProfileUpdate,
  SignedPreKey,
} from './directory/directory.types.js';
