// The envelope byte layout documented in docs/e2ee.md, and strict parsing.
import { describe, expect, it } from 'vitest';
import { E2eeError, decodeEnvelope } from '@sanctum/client';
import type { PrekeyFields } from '@sanctum/client';
import { concatBytes } from '../../src/crypto/crypto.primitives.js';
import { encodeEnvelopePrefix, encodeRatchetHeader } from '../../src/crypto/envelope.codec.js';

const filled = (length: number, value: number) => new Uint8Array(length).fill(value);
const header = { ratchetKey: filled(32, 7), previousChainLength: 3, messageNumber: 0x01020304 };
const tag = filled(16, 9);

function envelope(prekey: PrekeyFields | undefined, ciphertext = tag): Uint8Array {
  return concatBytes(encodeEnvelopePrefix(prekey), encodeRatchetHeader(header), ciphertext);
}

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof E2eeError ? error.code : 'not an E2eeError';
  }
  return undefined;
}

describe('envelope codec', () => {
  it('lays out a normal message as version, type, ratchet key, PN, N, ciphertext', () => {
    const bytes = envelope(undefined);
    expect(Array.from(bytes.slice(0, 2))).toEqual([1, 2]);
    expect(Array.from(bytes.slice(34, 42))).toEqual([0, 0, 0, 3, 1, 2, 3, 4]);
    const decoded = decodeEnvelope(bytes);
    expect(decoded.prekey).toBeUndefined();
    expect(decoded.header).toEqual(header);
    expect(decoded.headerBytes).toEqual(bytes.slice(0, 42));
    expect(decoded.ciphertext).toEqual(tag);
  });

  it('round-trips prekey messages with every combination of optional keys', () => {
    const base: PrekeyFields = { identityKey: filled(32, 1), baseKey: filled(32, 2), signedPrekeyId: 2_147_483_647 };
    const variants: PrekeyFields[] = [
      base,
      { ...base, oneTimePrekey: { keyId: 5, lastResort: false } },
      { ...base, oneTimePrekey: { keyId: 6, lastResort: true } },
      { ...base, kem: { keyId: 7, lastResort: false, ciphertext: filled(1088, 3) } },
      { ...base, oneTimePrekey: { keyId: 8, lastResort: true }, kem: { keyId: 9, lastResort: true, ciphertext: filled(1088, 4) } },
    ];
    for (const fields of variants) {
      const bytes = envelope(fields);
      expect(bytes[1]).toBe(1);
      const decoded = decodeEnvelope(bytes);
      expect(decoded.prekey).toEqual(fields);
      expect(decoded.header).toEqual(header);
    }
    const full = envelope(variants[4]);
    // version, type, flags (0x01 | 0x02 | 0x04 | 0x08), then the identity key.
    expect(Array.from(full.slice(0, 4))).toEqual([1, 1, 0x0f, 1]);
  });

  it('refuses unknown versions and types', () => {
    const bytes = envelope(undefined);
    expect(code(() => decodeEnvelope(Uint8Array.of(2, ...bytes.slice(1))))).toBe('E2EE_UNSUPPORTED_VERSION');
    expect(code(() => decodeEnvelope(Uint8Array.of(1, 3, ...bytes.slice(2))))).toBe('E2EE_MALFORMED_ENVELOPE');
    expect(code(() => decodeEnvelope(new Uint8Array(0)))).toBe('E2EE_MALFORMED_ENVELOPE');
  });

  it('refuses inconsistent or unknown prekey flags', () => {
    const bytes = envelope({ identityKey: filled(32, 1), baseKey: filled(32, 2), signedPrekeyId: 1 });
    for (const flags of [0x10, 0x02, 0x08]) {
      const altered = Uint8Array.from(bytes);
      altered[2] = flags;
      expect(code(() => decodeEnvelope(altered)), `flags ${flags}`).toBe('E2EE_MALFORMED_ENVELOPE');
    }
  });

  it('refuses truncated envelopes and ciphertexts shorter than a tag', () => {
    const bytes = envelope({ identityKey: filled(32, 1), baseKey: filled(32, 2), signedPrekeyId: 1, kem: { keyId: 1, lastResort: false, ciphertext: filled(1088, 3) } });
    for (const length of [1, 2, 3, 40, 70, 74, 80, 1000, bytes.length - 17]) {
      expect(code(() => decodeEnvelope(bytes.slice(0, length))), `length ${length}`).toBe('E2EE_MALFORMED_ENVELOPE');
    }
    expect(code(() => decodeEnvelope(envelope(undefined, filled(15, 0))))).toBe('E2EE_MALFORMED_ENVELOPE');
  });
});
