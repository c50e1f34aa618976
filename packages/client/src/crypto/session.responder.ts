// The responder's side of a session start: find the prekeys an initial message
// names, run X3DH/PQXDH, and decrypt the first ratchet message. Nothing is
// consumed until that message has authenticated; the caller commits after storing.
import { toBase64Url } from './crypto.primitives.js';
import type { KeyPair } from './crypto.primitives.js';
import { E2eeError } from './e2ee.errors.js';
import type { DecodedEnvelope, PrekeyFields, PrekeyReference } from './envelope.codec.js';
import type { RatchetLimits } from './ratchet.protocol.js';
import { initRatchetAsResponder, ratchetDecrypt } from './ratchet.protocol.js';
import type { SessionState } from './session.record.js';
import type { PrekeyKind, PrekeyRecord, PrekeyStore } from './store.types.js';
import { respond } from './x3dh.protocol.js';

export interface AcceptedPrekeyMessage {
  state: SessionState;
  plaintext: Uint8Array;
  /** Deletes the one-time prekeys used, or remembers the base key when only reusable prekeys were. */
  commit(): Promise<void>;
}

async function findPrekey(store: PrekeyStore, kind: PrekeyKind, keyId: number, what: string): Promise<PrekeyRecord> {
  const record = await store.getPrekey(kind, keyId);
  if (record === undefined) {
    throw new E2eeError('E2EE_UNKNOWN_PREKEY', `The message names ${what} ${keyId}, which this device does not hold (unknown or already used)`);
  }
  return record;
}

async function findOptional(store: PrekeyStore, reference: PrekeyReference | undefined, kinds: [PrekeyKind, PrekeyKind], what: string) {
  if (reference === undefined) return undefined;
  const [lastResortKind, oneTimeKind] = kinds;
  return findPrekey(store, reference.lastResort ? lastResortKind : oneTimeKind, reference.keyId, what);
}

function pairOf(record: PrekeyRecord): KeyPair {
  return { publicKey: record.publicKey, secretKey: record.secretKey };
}

function consumesOneTimeKey(fields: PrekeyFields): boolean {
  return (fields.oneTimePrekey !== undefined && !fields.oneTimePrekey.lastResort) || (fields.kem !== undefined && !fields.kem.lastResort);
}

export async function acceptPrekeyMessage(
  identity: KeyPair,
  store: PrekeyStore,
  decoded: DecodedEnvelope & { prekey: PrekeyFields },
  limits: RatchetLimits,
): Promise<AcceptedPrekeyMessage> {
  const fields = decoded.prekey;
  const signed = await findPrekey(store, 'signed', fields.signedPrekeyId, 'signed prekey');
  const oneTime = await findOptional(store, fields.oneTimePrekey, ['last-resort', 'one-time'], 'prekey');
  const kem = await findOptional(store, fields.kem, ['kem-last-resort', 'kem-one-time'], 'ML-KEM prekey');
  const baseKey = toBase64Url(fields.baseKey);
  const reusable = !consumesOneTimeKey(fields);
  // Without a one-time key nothing else stops a replayed initial message from being accepted twice (X3DH §4.2).
  if (reusable && (await store.hasBaseKey(baseKey))) {
    throw new E2eeError('E2EE_PREKEY_REUSED', 'This initial message was already accepted (replayed key agreement)');
  }
  const agreement = respond(identity, fields, {
    signedPrekey: pairOf(signed),
    oneTimePrekey: oneTime === undefined ? undefined : pairOf(oneTime),
    kemSecretKey: kem?.secretKey,
  });
  const initial = initRatchetAsResponder(agreement.sharedSecret, pairOf(signed), agreement.associatedData);
  const { state: ratchet, plaintext } = ratchetDecrypt(initial, decoded.header, decoded.headerBytes, decoded.ciphertext, limits);
  return {
    state: { role: 'responder', remoteIdentityKey: fields.identityKey, baseKey: fields.baseKey, ratchet },
    plaintext,
    commit: async () => {
      if (oneTime?.kind === 'one-time') await store.removePrekey('one-time', oneTime.keyId);
      if (kem?.kind === 'kem-one-time') await store.removePrekey('kem-one-time', kem.keyId);
      if (reusable) await store.addBaseKey(baseKey);
    },
  };
}
