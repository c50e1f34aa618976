// The Sanctum client SDK (isomorphic: Node >= 20 and browsers).
// Transport and errors; the auth, directory, messaging and crypto parts sit in folders beside this file.
export { HttpClient } from './http/http-client.js';
export type { HttpResponse, RequestOptions } from './http/http-client.js';
export { SanctumApiError } from './http/api-error.js';
export { fromBase64Url, toBase64Url } from './encoding/base64url.js';
export * from './crypto/index.js';

export { DirectoryClient } from './directory/directory.client.js';
export type { AccessTokenSource, DirectoryClientOptions } from './directory/directory.client.js';
export { BundleSignatureError, verifyDeviceBundle } from './directory/bundle.verifier.js';
export type {
  AccountBundles,
  BundlePreKey,
  DeviceBundle,
  DeviceInfo as DirectoryDeviceInfo,
  HandleInfo,
  KeyCounts,
  KeyUpload,
  OneTimePreKey,
  Profile,
  ProfileUpdate,
  SignedPreKey,
} from './directory/directory.types.js';

export { AuthClient } from './auth/auth-client.js';
export type { SignedInDevice } from './auth/auth-client.js';
export { Session } from './auth/session.js';
export type { SessionOptions } from './auth/session.js';
export { DeviceIdentity, generateRecoverySecret } from './auth/device-identity.js';
export { authMessages } from './auth/auth-messages.js';
export type { AccountInfo, Challenge, DeviceInfo, LinkInfo, LinkRequest, SessionInfo, TokenSet } from './auth/auth-types.js';
export * from './messaging/index.js';

// One device end to end (sign-in, keys, sessions, sends, delivery): what a chat client builds on.
export { SanctumDevice } from './device/sanctum-device.js';
export type { ChatMessage, DeviceOptions, ListenHandlers, SafetyNumberResult, SanctumUrls } from './device/device.types.js';
export { parseDeviceState } from './device/device.state.js';
export type { DeviceStateJson } from './device/device.state.js';
export { MAX_TEXT_LENGTH } from './device/chat.payload.js';
