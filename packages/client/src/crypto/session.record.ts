// A peer device's sessions: the current one plus a few earlier ones, so that
// messages still in flight on a replaced session (or both sides starting a
// session at once) can still be read. Serialised to JSON for the app's storage.
import { ED25519_PUBLIC_KEY_BYTES, ML_KEM_768_CIPHERTEXT_BYTES, X25519_KEY_BYTES, constantTimeEqual, toBase64Url } from './crypto.primitives.js';
import type { PrekeyFields, PrekeyReference } from './envelope.codec.js';
import type { RatchetState, RatchetStateJson } from './ratchet.state.js';
import { invalidState, ratchetStateFromJson, ratchetStateToJson, stateBytes, stateCounter } from './ratchet.state.js';

/** How many replaced sessions per peer device are kept for late messages. */
export const MAX_PREVIOUS_SESSIONS = 5;
export const SESSION_RECORD_VERSION = 1;

export interface SessionState {
  role: 'initiator' | 'responder';
  /** The peer device's Ed25519 identity key. */
  remoteIdentityKey: Uint8Array;
  /** The initiator's ephemeral key: names the key agreement this session came from. */
  baseKey: Uint8Array;
  /** Initiator only: the X3DH fields resent with every message until the peer's first reply arrives. */
  pendingPrekey?: PrekeyFields | undefined;
  ratchet: RatchetState;
}

export interface SessionRecord {
  current: SessionState;
  previous: SessionState[];
}

interface PrekeyFieldsJson {
  identityKey: string;
  baseKey: string;
  signedPrekeyId: number;
  oneTimePrekey?: PrekeyReference;
  kem?: PrekeyReference & { ciphertext: string };
}

export interface SessionStateJson {
  role: 'initiator' | 'responder';
  remoteIdentityKey: string;
  baseKey: string;
  pendingPrekey?: PrekeyFieldsJson;
  ratchet: RatchetStateJson;
}

/** The JSON an app persists per peer device. */
export interface SessionRecordJson {
  version: number;
  current: SessionStateJson;
  previous: SessionStateJson[];
}

/**
 * Makes `state` current. `replaces` is the stored session it is the updated
 * form of (dropped from the list); every other session keeps its place behind
 * the new current one, and the oldest fall off past MAX_PREVIOUS_SESSIONS.
 */
export function withCurrent(record: SessionRecord | undefined, state: SessionState, replaces?: SessionState): SessionRecord {
  if (record === undefined) return { current: state, previous: [] };
  const others = [record.current, ...record.previous].filter((old) => old !== replaces);
  return { current: state, previous: others.slice(0, MAX_PREVIOUS_SESSIONS) };
}

/** The session (current first) that came from the key agreement with this base key. */
export function findByBaseKey(record: SessionRecord | undefined, baseKey: Uint8Array): SessionState | undefined {
  if (record === undefined) return undefined;
  return [record.current, ...record.previous].find((state) => constantTimeEqual(state.baseKey, baseKey));
}

function prekeyToJson(fields: PrekeyFields): PrekeyFieldsJson {
  return {
    identityKey: toBase64Url(fields.identityKey),
    baseKey: toBase64Url(fields.baseKey),
    signedPrekeyId: fields.signedPrekeyId,
    ...(fields.oneTimePrekey === undefined ? {} : { oneTimePrekey: { ...fields.oneTimePrekey } }),
    ...(fields.kem === undefined
      ? {}
      : { kem: { keyId: fields.kem.keyId, lastResort: fields.kem.lastResort, ciphertext: toBase64Url(fields.kem.ciphertext) } }),
  };
}

function stateToJson(state: SessionState): SessionStateJson {
  return {
    role: state.role,
    remoteIdentityKey: toBase64Url(state.remoteIdentityKey),
    baseKey: toBase64Url(state.baseKey),
    ...(state.pendingPrekey === undefined ? {} : { pendingPrekey: prekeyToJson(state.pendingPrekey) }),
    ratchet: ratchetStateToJson(state.ratchet),
  };
}

export function sessionRecordToJson(record: SessionRecord): SessionRecordJson {
  return { version: SESSION_RECORD_VERSION, current: stateToJson(record.current), previous: record.previous.map(stateToJson) };
}

function referenceFromJson(value: unknown, field: string): PrekeyReference {
  const json = value as Partial<PrekeyReference>;
  if (typeof json.lastResort !== 'boolean') throw invalidState(`${field}.lastResort is missing`);
  return { keyId: stateCounter(json.keyId, `${field}.keyId`), lastResort: json.lastResort };
}

function prekeyFromJson(value: unknown): PrekeyFields {
  if (typeof value !== 'object' || value === null) throw invalidState('pendingPrekey is not an object');
  const json = value as Record<string, unknown>;
  const fields: PrekeyFields = {
    identityKey: stateBytes(json.identityKey, 'pendingPrekey.identityKey', ED25519_PUBLIC_KEY_BYTES),
    baseKey: stateBytes(json.baseKey, 'pendingPrekey.baseKey', X25519_KEY_BYTES),
    signedPrekeyId: stateCounter(json.signedPrekeyId, 'pendingPrekey.signedPrekeyId'),
  };
  if (json.oneTimePrekey !== undefined) fields.oneTimePrekey = referenceFromJson(json.oneTimePrekey, 'pendingPrekey.oneTimePrekey');
  if (json.kem !== undefined) {
    const kem = json.kem as Record<string, unknown>;
    fields.kem = {
      ...referenceFromJson(kem, 'pendingPrekey.kem'),
      ciphertext: stateBytes(kem.ciphertext, 'pendingPrekey.kem.ciphertext', ML_KEM_768_CIPHERTEXT_BYTES),
    };
  }
  return fields;
}

function stateFromJson(value: unknown): SessionState {
  if (typeof value !== 'object' || value === null) throw invalidState('session is not an object');
  const json = value as Record<string, unknown>;
  if (json.role !== 'initiator' && json.role !== 'responder') throw invalidState('role is unknown');
  return {
    role: json.role,
    remoteIdentityKey: stateBytes(json.remoteIdentityKey, 'remoteIdentityKey', ED25519_PUBLIC_KEY_BYTES),
    baseKey: stateBytes(json.baseKey, 'baseKey', X25519_KEY_BYTES),
    ...(json.pendingPrekey === undefined ? {} : { pendingPrekey: prekeyFromJson(json.pendingPrekey) }),
    ratchet: ratchetStateFromJson(json.ratchet),
  };
}

/** Reads a stored record back; anything unreadable is E2EE_INVALID_STATE. */
export function sessionRecordFromJson(value: unknown): SessionRecord {
  if (typeof value !== 'object' || value === null) throw invalidState('record is not an object');
  const json = value as Record<string, unknown>;
  if (json.version !== SESSION_RECORD_VERSION) throw invalidState(`record version ${String(json.version)} is unknown`);
  if (!Array.isArray(json.previous)) throw invalidState('previous sessions are missing');
  return { current: stateFromJson(json.current), previous: (json.previous as unknown[]).map(stateFromJson) };
}
