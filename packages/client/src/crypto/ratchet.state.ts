// The Double Ratchet state of one session and its JSON form, so an app can
// persist sessions wherever it keeps data (IndexedDB, a file, a database).
import { E2eeError } from './e2ee.errors.js';
import type { KeyPair } from './crypto.primitives.js';
import { X25519_KEY_BYTES, fromBase64Url, toBase64Url } from './crypto.primitives.js';

export interface ChainState {
  key: Uint8Array;
  /** The number of the next message on this chain (Ns or Nr in the specification). */
  index: number;
}

export interface RatchetState {
  rootKey: Uint8Array;
  /** DHs: our current ratchet key pair. */
  sendingKeyPair: KeyPair;
  /** DHr: the peer's current ratchet public key (null until the responder hears from the initiator). */
  remoteRatchetKey: Uint8Array | null;
  sendingChain: ChainState | null;
  receivingChain: ChainState | null;
  /** PN: how many messages we sent on the previous sending chain. */
  previousSendingLength: number;
  /** MKSKIPPED, keyed `<ratchet key base64url>:<n>`, in insertion order so the oldest is evicted first. */
  skipped: Map<string, Uint8Array>;
  /** Ratchet keys the peer used before the current one: a message on such a chain without a stored key is a replay. */
  retiredRemoteKeys: string[];
  /** AD from X3DH: initiator identity key || responder identity key. */
  associatedData: Uint8Array;
}

/** JSON form of RatchetState; every byte string is unpadded base64url. */
export interface RatchetStateJson {
  rootKey: string;
  sendingKeyPair: { publicKey: string; secretKey: string };
  remoteRatchetKey: string | null;
  sendingChain: { key: string; index: number } | null;
  receivingChain: { key: string; index: number } | null;
  previousSendingLength: number;
  skipped: [string, string][];
  retiredRemoteKeys: string[];
  associatedData: string;
}

export function cloneRatchetState(state: RatchetState): RatchetState {
  // Byte arrays are never mutated in place by the ratchet, so sharing them is safe; containers are copied.
  return {
    ...state,
    sendingChain: state.sendingChain === null ? null : { ...state.sendingChain },
    receivingChain: state.receivingChain === null ? null : { ...state.receivingChain },
    skipped: new Map(state.skipped),
    retiredRemoteKeys: [...state.retiredRemoteKeys],
  };
}

function chainToJson(chain: ChainState | null): { key: string; index: number } | null {
  return chain === null ? null : { key: toBase64Url(chain.key), index: chain.index };
}

export function ratchetStateToJson(state: RatchetState): RatchetStateJson {
  return {
    rootKey: toBase64Url(state.rootKey),
    sendingKeyPair: { publicKey: toBase64Url(state.sendingKeyPair.publicKey), secretKey: toBase64Url(state.sendingKeyPair.secretKey) },
    remoteRatchetKey: state.remoteRatchetKey === null ? null : toBase64Url(state.remoteRatchetKey),
    sendingChain: chainToJson(state.sendingChain),
    receivingChain: chainToJson(state.receivingChain),
    previousSendingLength: state.previousSendingLength,
    skipped: [...state.skipped].map(([id, key]) => [id, toBase64Url(key)]),
    retiredRemoteKeys: [...state.retiredRemoteKeys],
    associatedData: toBase64Url(state.associatedData),
  };
}

export function invalidState(why: string): E2eeError {
  return new E2eeError('E2EE_INVALID_STATE', `Stored session state is unreadable: ${why}`);
}

/** Decodes a base64url field of stored state, turning any failure into E2EE_INVALID_STATE. */
export function stateBytes(value: unknown, field: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw invalidState(`${field} is missing`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(value, field);
  } catch {
    throw invalidState(`${field} is not base64url`);
  }
  if (length !== undefined && bytes.length !== length) throw invalidState(`${field} has the wrong length`);
  return bytes;
}

export function stateCounter(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidState(`${field} is not a counter`);
  return value;
}

function chainFromJson(value: unknown, field: string): ChainState | null {
  if (value === null) return null;
  if (typeof value !== 'object') throw invalidState(`${field} is not a chain`);
  const chain = value as Record<string, unknown>;
  return { key: stateBytes(chain.key, `${field}.key`, 32), index: stateCounter(chain.index, `${field}.index`) };
}

export function ratchetStateFromJson(value: unknown): RatchetState {
  if (typeof value !== 'object' || value === null) throw invalidState('ratchet is not an object');
  const json = value as Record<string, unknown>;
  const pair = json.sendingKeyPair as Record<string, unknown> | null | undefined;
  if (typeof pair !== 'object' || pair === null) throw invalidState('sendingKeyPair is missing');
  if (!Array.isArray(json.skipped) || !Array.isArray(json.retiredRemoteKeys)) throw invalidState('skipped keys are missing');
  const skipped = new Map<string, Uint8Array>();
  for (const entry of json.skipped as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw invalidState('a skipped key entry is malformed');
    skipped.set(entry[0], stateBytes(entry[1], 'skipped key', 32));
  }
  const retired = (json.retiredRemoteKeys as unknown[]).map((key) => {
    if (typeof key !== 'string') throw invalidState('a retired ratchet key is malformed');
    return key;
  });
  return {
    rootKey: stateBytes(json.rootKey, 'rootKey', 32),
    sendingKeyPair: {
      publicKey: stateBytes(pair.publicKey, 'sendingKeyPair.publicKey', X25519_KEY_BYTES),
      secretKey: stateBytes(pair.secretKey, 'sendingKeyPair.secretKey', X25519_KEY_BYTES),
    },
    remoteRatchetKey: json.remoteRatchetKey === null ? null : stateBytes(json.remoteRatchetKey, 'remoteRatchetKey', X25519_KEY_BYTES),
    sendingChain: chainFromJson(json.sendingChain, 'sendingChain'),
    receivingChain: chainFromJson(json.receivingChain, 'receivingChain'),
    previousSendingLength: stateCounter(json.previousSendingLength, 'previousSendingLength'),
    skipped,
    retiredRemoteKeys: retired,
    associatedData: stateBytes(json.associatedData, 'associatedData'),
  };
}
