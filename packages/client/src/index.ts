// The Sanctum client SDK (isomorphic: Node >= 20 and browsers).
// Transport and errors; the auth, directory, messaging and crypto parts sit in folders beside this file.
export { HttpClient } from './http/http-client.js';
export type { HttpResponse, RequestOptions } from './http/http-client.js';
export { SanctumApiError } from './http/api-error.js';

export { AuthClient } from './auth/auth-client.js';
export type { SignedInDevice } from './auth/auth-client.js';
export { Session } from './auth/session.js';
export type { SessionOptions } from './auth/session.js';
export { DeviceIdentity, generateRecoverySecret } from './auth/device-identity.js';
export { authMessages } from './auth/auth-messages.js';
export type { AccountInfo, Challenge, DeviceInfo, LinkInfo, LinkRequest, SessionInfo, TokenSet } from './auth/auth-types.js';
