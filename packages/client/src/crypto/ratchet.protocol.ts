// The Double Ratchet (Signal specification), with the recommended
// KDFs: HKDF-SHA-256 for the root chain, HMAC-SHA-256 for the symmetric chains.
// Header encryption is not used; the header is authenticated as associated data.
import { E2eeError } from './e2ee.errors.js';
import type { KeyPair } from './crypto.primitives.js';
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  aeadOpen,
  aeadSeal,
  concatBytes,
  constantTimeEqual,
  generateX25519KeyPair,
  hkdfSha256,
  hmacSha256,
  toBase64Url,
  x25519,
} from './crypto.primitives.js';
import type { RatchetHeader } from './envelope.codec.js';
import { encodeRatchetHeader } from './envelope.codec.js';
import type { ChainState, RatchetState } from './ratchet.state.js';
import { cloneRatchetState } from './ratchet.state.js';

export const ROOT_KDF_INFO = 'Sanctum_DoubleRatchet_Root_v1';
export const MESSAGE_KEY_INFO = 'Sanctum_DoubleRatchet_MessageKeys_v1';

export interface RatchetLimits {
  /** Most message keys one header may make us derive and store (MAX_SKIP in the specification). */
  maxSkip: number;
  /** Most skipped message keys kept per session; the oldest are evicted first. */
  maxStoredSkipped: number;
}

export const DEFAULT_RATCHET_LIMITS: RatchetLimits = { maxSkip: 1000, maxStoredSkipped: 2000 };

/** How many of the peer's former ratchet keys we remember, to call a late message on an old chain a replay. */
const RETIRED_KEYS_KEPT = 16;
const ZERO_SALT = new Uint8Array(32);
const MESSAGE_KEY_CONSTANT = Uint8Array.of(0x01);
const CHAIN_KEY_CONSTANT = Uint8Array.of(0x02);

/** KDF_RK: HKDF with the root key as salt and the DH output as input keying material. */
function kdfRoot(rootKey: Uint8Array, dhOutput: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdfSha256(dhOutput, rootKey, ROOT_KDF_INFO, 64);
  return [out.slice(0, 32), out.slice(32)];
}

/** KDF_CK: HMAC-SHA-256 keyed by the chain key, 0x01 for the message key, 0x02 for the next chain key. */
function kdfChain(chain: ChainState): { next: ChainState; messageKey: Uint8Array } {
  return {
    messageKey: hmacSha256(chain.key, MESSAGE_KEY_CONSTANT),
    next: { key: hmacSha256(chain.key, CHAIN_KEY_CONSTANT), index: chain.index + 1 },
  };
}

/** ENCRYPT/DECRYPT keys: one message key gives one AEAD key and nonce, used exactly once. */
function aeadMaterial(messageKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const out = hkdfSha256(messageKey, ZERO_SALT, MESSAGE_KEY_INFO, AEAD_KEY_BYTES + AEAD_NONCE_BYTES);
  return { key: out.slice(0, AEAD_KEY_BYTES), nonce: out.slice(AEAD_KEY_BYTES) };
}

/** RatchetInitAlice: the initiator starts with the responder's signed prekey as DHr and a fresh DHs. */
export function initRatchetAsInitiator(sharedSecret: Uint8Array, remoteRatchetKey: Uint8Array, associatedData: Uint8Array): RatchetState {
  const sendingKeyPair = generateX25519KeyPair();
  const [rootKey, chainKey] = kdfRoot(sharedSecret, x25519(sendingKeyPair.secretKey, remoteRatchetKey));
  return {
    rootKey,
    sendingKeyPair,
    remoteRatchetKey,
    sendingChain: { key: chainKey, index: 0 },
    receivingChain: null,
    previousSendingLength: 0,
    skipped: new Map(),
    retiredRemoteKeys: [],
    associatedData,
  };
}

/** RatchetInitBob: the responder's first ratchet key pair is its signed prekey; it can send once it has received. */
export function initRatchetAsResponder(sharedSecret: Uint8Array, ownRatchetKeyPair: KeyPair, associatedData: Uint8Array): RatchetState {
  return {
    rootKey: sharedSecret,
    sendingKeyPair: ownRatchetKeyPair,
    remoteRatchetKey: null,
    sendingChain: null,
    receivingChain: null,
    previousSendingLength: 0,
    skipped: new Map(),
    retiredRemoteKeys: [],
    associatedData,
  };
}

/**
 * RatchetEncrypt. Advances the sending chain of `state` in place and returns
 * `prefix || header || ciphertext`; the AEAD's associated data is
 * `AD || prefix || header`, so the envelope's version, type and prekey fields
 * are authenticated along with the ratchet header.
 */
export function ratchetEncrypt(state: RatchetState, plaintext: Uint8Array, prefix: Uint8Array): Uint8Array {
  if (state.sendingChain === null) throw new E2eeError('E2EE_INVALID_STATE', 'This session cannot send before it has received a message');
  const { next, messageKey } = kdfChain(state.sendingChain);
  const header: RatchetHeader = {
    ratchetKey: state.sendingKeyPair.publicKey,
    previousChainLength: state.previousSendingLength,
    messageNumber: state.sendingChain.index,
  };
  state.sendingChain = next;
  const headerBytes = concatBytes(prefix, encodeRatchetHeader(header));
  const { key, nonce } = aeadMaterial(messageKey);
  return concatBytes(headerBytes, aeadSeal(key, nonce, plaintext, concatBytes(state.associatedData, headerBytes)));
}

function skippedId(ratchetKey: Uint8Array, messageNumber: number): string {
  return `${toBase64Url(ratchetKey)}:${messageNumber}`;
}

/** SkipMessageKeys: derive and keep the keys of messages not yet received on the current receiving chain. */
function skipMessageKeys(state: RatchetState, until: number, limits: RatchetLimits): void {
  const chain = state.receivingChain;
  if (chain === null || state.remoteRatchetKey === null || until <= chain.index) return;
  if (until - chain.index > limits.maxSkip) {
    throw new E2eeError('E2EE_TOO_MANY_SKIPPED', `The header skips ${until - chain.index} messages; at most ${limits.maxSkip} are allowed`);
  }
  let current = chain;
  while (current.index < until) {
    const { next, messageKey } = kdfChain(current);
    state.skipped.set(skippedId(state.remoteRatchetKey, current.index), messageKey);
    current = next;
  }
  state.receivingChain = current;
  for (const id of state.skipped.keys()) {
    if (state.skipped.size <= limits.maxStoredSkipped) break;
    state.skipped.delete(id);
  }
}

/** DHRatchet: a new receiving chain from the peer's new key, then a new sending chain from a fresh key pair. */
function dhRatchet(state: RatchetState, header: RatchetHeader): void {
  state.previousSendingLength = state.sendingChain?.index ?? 0;
  if (state.remoteRatchetKey !== null) {
    state.retiredRemoteKeys.push(toBase64Url(state.remoteRatchetKey));
    state.retiredRemoteKeys.splice(0, Math.max(0, state.retiredRemoteKeys.length - RETIRED_KEYS_KEPT));
  }
  state.remoteRatchetKey = header.ratchetKey;
  const [rootKey, receivingKey] = kdfRoot(state.rootKey, x25519(state.sendingKeyPair.secretKey, header.ratchetKey));
  state.receivingChain = { key: receivingKey, index: 0 };
  state.sendingKeyPair = generateX25519KeyPair();
  const [nextRootKey, sendingKey] = kdfRoot(rootKey, x25519(state.sendingKeyPair.secretKey, header.ratchetKey));
  state.rootKey = nextRootKey;
  state.sendingChain = { key: sendingKey, index: 0 };
}

function duplicate(): E2eeError {
  return new E2eeError('E2EE_DUPLICATE_MESSAGE', 'This message key was already used (replayed or redelivered message)');
}

/**
 * RatchetDecrypt. Works on a copy: the returned state is the committed one,
 * and on any failure (authentication, replay, too many skipped keys) the
 * caller's state is untouched, as the specification requires.
 */
export function ratchetDecrypt(
  current: RatchetState,
  header: RatchetHeader,
  headerBytes: Uint8Array,
  ciphertext: Uint8Array,
  limits: RatchetLimits = DEFAULT_RATCHET_LIMITS,
): { state: RatchetState; plaintext: Uint8Array } {
  const state = cloneRatchetState(current);
  const associatedData = concatBytes(state.associatedData, headerBytes);
  const id = skippedId(header.ratchetKey, header.messageNumber);
  const stored = state.skipped.get(id);
  if (stored !== undefined) {
    const { key, nonce } = aeadMaterial(stored);
    const plaintext = aeadOpen(key, nonce, ciphertext, associatedData);
    state.skipped.delete(id);
    return { state, plaintext };
  }
  const onCurrentChain = state.remoteRatchetKey !== null && constantTimeEqual(header.ratchetKey, state.remoteRatchetKey);
  if (!onCurrentChain) {
    if (state.retiredRemoteKeys.includes(toBase64Url(header.ratchetKey))) throw duplicate();
    skipMessageKeys(state, header.previousChainLength, limits);
    dhRatchet(state, header);
  }
  const chain = state.receivingChain;
  /* v8 ignore next -- dhRatchet always leaves a receiving chain; the check narrows the type. */
  if (chain === null) throw new E2eeError('E2EE_INVALID_STATE', 'No receiving chain');
  if (header.messageNumber < chain.index) throw duplicate();
  skipMessageKeys(state, header.messageNumber, limits);
  const { next, messageKey } = kdfChain(state.receivingChain ?? chain);
  state.receivingChain = next;
  const { key, nonce } = aeadMaterial(messageKey);
  return { state, plaintext: aeadOpen(key, nonce, ciphertext, associatedData) };
}
