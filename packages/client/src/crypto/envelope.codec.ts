// The SDK's binary envelope: what one recipient device gets (base64url in
// Messaging's JSON). Layout in docs/e2ee.md ("Envelope format").
import { E2eeError } from './e2ee.errors.js';
import { AEAD_TAG_BYTES, ED25519_PUBLIC_KEY_BYTES, ML_KEM_768_CIPHERTEXT_BYTES, X25519_KEY_BYTES, concatBytes } from './crypto.primitives.js';

/** Version 1: X3DH/PQXDH (X25519, Ed25519 identities, ML-KEM-768), Double Ratchet, XChaCha20-Poly1305. */
export const ENVELOPE_VERSION = 1;
export const TYPE_PREKEY = 1;
export const TYPE_MESSAGE = 2;

const FLAG_ONE_TIME = 0x01;
const FLAG_ONE_TIME_LAST_RESORT = 0x02;
const FLAG_KEM = 0x04;
const FLAG_KEM_LAST_RESORT = 0x08;
const KNOWN_FLAGS = FLAG_ONE_TIME | FLAG_ONE_TIME_LAST_RESORT | FLAG_KEM | FLAG_KEM_LAST_RESORT;

export const RATCHET_HEADER_BYTES = X25519_KEY_BYTES + 4 + 4;

/** The Double Ratchet header: the sender's current ratchet public key, PN and N. */
export interface RatchetHeader {
  ratchetKey: Uint8Array;
  previousChainLength: number;
  messageNumber: number;
}

/** Which of the responder's prekeys a session start used, as one envelope-level reference. */
export interface PrekeyReference {
  keyId: number;
  /** True when the Directory handed out the reusable last-resort key instead of a one-time key. */
  lastResort: boolean;
}

/** What an X3DH/PQXDH initial message carries besides the first ratchet message. */
export interface PrekeyFields {
  /** The initiator's Ed25519 identity key. */
  identityKey: Uint8Array;
  /** The initiator's ephemeral X25519 key (EK_A), which also names the session. */
  baseKey: Uint8Array;
  signedPrekeyId: number;
  oneTimePrekey?: PrekeyReference | undefined;
  kem?: (PrekeyReference & { ciphertext: Uint8Array }) | undefined;
}

export interface DecodedEnvelope {
  prekey?: PrekeyFields | undefined;
  header: RatchetHeader;
  /** Every byte before the ciphertext: authenticated as associated data. */
  headerBytes: Uint8Array;
  ciphertext: Uint8Array;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** Version, type and (for a prekey message) the key agreement fields. */
export function encodeEnvelopePrefix(prekey: PrekeyFields | undefined): Uint8Array {
  if (prekey === undefined) return Uint8Array.of(ENVELOPE_VERSION, TYPE_MESSAGE);
  let flags = 0;
  const optional: Uint8Array[] = [];
  if (prekey.oneTimePrekey !== undefined) {
    flags |= FLAG_ONE_TIME | (prekey.oneTimePrekey.lastResort ? FLAG_ONE_TIME_LAST_RESORT : 0);
    optional.push(u32(prekey.oneTimePrekey.keyId));
  }
  if (prekey.kem !== undefined) {
    flags |= FLAG_KEM | (prekey.kem.lastResort ? FLAG_KEM_LAST_RESORT : 0);
    optional.push(u32(prekey.kem.keyId), prekey.kem.ciphertext);
  }
  return concatBytes(
    Uint8Array.of(ENVELOPE_VERSION, TYPE_PREKEY, flags),
    prekey.identityKey,
    prekey.baseKey,
    u32(prekey.signedPrekeyId),
    ...optional,
  );
}

export function encodeRatchetHeader(header: RatchetHeader): Uint8Array {
  return concatBytes(header.ratchetKey, u32(header.previousChainLength), u32(header.messageNumber));
}

/** A bounds-checked reader: any overrun is a malformed envelope, never an exception of another kind. */
class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw malformed('the envelope is truncated');
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(): number {
    return this.take(1)[0] ?? 0;
  }

  u32(): number {
    this.take(4);
    return this.view.getUint32(this.offset - 4, false);
  }

  rest(): Uint8Array {
    return this.take(this.bytes.length - this.offset);
  }
}

function malformed(why: string): E2eeError {
  return new E2eeError('E2EE_MALFORMED_ENVELOPE', `Malformed envelope: ${why}`);
}

function readPrekeyFields(reader: Reader): PrekeyFields {
  const flags = reader.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) throw malformed('unknown prekey flags');
  if ((flags & FLAG_ONE_TIME_LAST_RESORT) !== 0 && (flags & FLAG_ONE_TIME) === 0) throw malformed('last-resort flag without a prekey');
  if ((flags & FLAG_KEM_LAST_RESORT) !== 0 && (flags & FLAG_KEM) === 0) throw malformed('KEM last-resort flag without a KEM share');
  const fields: PrekeyFields = {
    identityKey: reader.take(ED25519_PUBLIC_KEY_BYTES),
    baseKey: reader.take(X25519_KEY_BYTES),
    signedPrekeyId: reader.u32(),
  };
  if ((flags & FLAG_ONE_TIME) !== 0) {
    fields.oneTimePrekey = { keyId: reader.u32(), lastResort: (flags & FLAG_ONE_TIME_LAST_RESORT) !== 0 };
  }
  if ((flags & FLAG_KEM) !== 0) {
    const keyId = reader.u32();
    fields.kem = { keyId, lastResort: (flags & FLAG_KEM_LAST_RESORT) !== 0, ciphertext: reader.take(ML_KEM_768_CIPHERTEXT_BYTES) };
  }
  return fields;
}

/** Parses an envelope strictly; every failure is E2EE_MALFORMED_ENVELOPE or E2EE_UNSUPPORTED_VERSION. */
export function decodeEnvelope(bytes: Uint8Array): DecodedEnvelope {
  const reader = new Reader(bytes);
  const version = reader.u8();
  if (version !== ENVELOPE_VERSION) {
    throw new E2eeError('E2EE_UNSUPPORTED_VERSION', `Envelope version ${version} is not supported (this SDK speaks ${ENVELOPE_VERSION})`);
  }
  const type = reader.u8();
  if (type !== TYPE_PREKEY && type !== TYPE_MESSAGE) throw malformed(`unknown message type ${type}`);
  const prekey = type === TYPE_PREKEY ? readPrekeyFields(reader) : undefined;
  const header: RatchetHeader = { ratchetKey: reader.take(X25519_KEY_BYTES), previousChainLength: reader.u32(), messageNumber: reader.u32() };
  const headerBytes = bytes.slice(0, reader.position);
  const ciphertext = reader.rest();
  if (ciphertext.length < AEAD_TAG_BYTES) throw malformed('the ciphertext is shorter than its authentication tag');
  return { prekey, header, headerBytes, ciphertext };
}
