// End-to-end encryption: X3DH/PQXDH, the Double Ratchet, sessions and stores.
export { E2eeError } from './e2ee.errors.js';
export type { E2eeErrorCode } from './e2ee.errors.js';
export {
  constantTimeEqual,
  fromBase64Url,
  generateEd25519KeyPair as generateIdentityKeyPair,
  randomBytes,
  toBase64Url,
} from './crypto.primitives.js';
export type { KeyPair } from './crypto.primitives.js';
export type { BundlePrekeyJson, KeyUploadPayload, OneTimePrekeyJson, PrekeyBundle, SignedPrekeyJson } from './bundle.types.js';
export { KEY_ID_MAX, verifyBundle } from './bundle.verifier.js';
export type { VerifiedBundle, VerifiedPrekey } from './bundle.verifier.js';
export { PrekeyGenerator } from './prekey.generator.js';
export type { PrekeyCounts, PrekeyGenerationOptions } from './prekey.generator.js';
export type { DeviceAddress, IdentityStore, PrekeyKind, PrekeyRecord, PrekeyStore, SessionStore } from './store.types.js';
export { MemoryIdentityStore, MemoryPrekeyStore, MemorySessionStore } from './memory.stores.js';
export type { IdentityStoreJson, PrekeyStoreJson, SessionStoreJson } from './memory.stores.js';
export { ENVELOPE_VERSION, decodeEnvelope } from './envelope.codec.js';
export type { DecodedEnvelope, PrekeyFields, RatchetHeader } from './envelope.codec.js';
export { DEFAULT_RATCHET_LIMITS } from './ratchet.protocol.js';
export type { RatchetLimits } from './ratchet.protocol.js';
export type { SessionRecordJson } from './session.record.js';
export { SessionManager } from './session.manager.js';
export type { IncomingEnvelope, SessionManagerOptions } from './session.manager.js';
export { encryptForDevices, recipientsFromBundles } from './device.fan-out.js';
export type { BundleResponse, DeviceEnvelope, FanOutResult, RecipientDevice } from './device.fan-out.js';
export { SAFETY_NUMBER_ITERATIONS, formatSafetyNumber, safetyNumber } from './safety-number.fingerprint.js';
export type { SafetyNumberParty } from './safety-number.fingerprint.js';
