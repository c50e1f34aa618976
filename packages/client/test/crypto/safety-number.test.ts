// Safety numbers against libsignal's published numeric-fingerprint vector.
import { describe, expect, it } from 'vitest';
import { formatSafetyNumber, generateIdentityKeyPair, safetyNumber } from '@sanctum/client';

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));

describe('safety numbers', () => {
  it('reproduces libsignal’s test vector (5200 iterations, one key per side)', () => {
    // libsignal-protocol-c tests/test_fingerprint.c: serialised curve25519 identity keys (0x05 prefix) and phone numbers.
    const alice = { stableId: '+14152222222', identityKeys: [hex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868')] };
    const bob = { stableId: '+14153333333', identityKeys: [hex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b')] };
    const expected = '300354477692869396892869876765458257569162576843440918079131';
    expect(safetyNumber(alice, bob)).toBe(expected);
    expect(safetyNumber(bob, alice)).toBe(expected);
  });

  it('covers every device key of an account, in any order, and changes when one changes', () => {
    const [k1, k2, k3] = [generateIdentityKeyPair(), generateIdentityKeyPair(), generateIdentityKeyPair()].map((pair) => pair.publicKey);
    const bobKey = generateIdentityKeyPair().publicKey;
    const bob = { stableId: 'bob', identityKeys: [bobKey] };
    const number = safetyNumber({ stableId: 'alice', identityKeys: [k1!, k2!] }, bob, 10);
    expect(safetyNumber({ stableId: 'alice', identityKeys: [k2!, k1!] }, bob, 10)).toBe(number);
    expect(safetyNumber({ stableId: 'alice', identityKeys: [k1!, k3!] }, bob, 10)).not.toBe(number);
    expect(safetyNumber({ stableId: 'alice', identityKeys: [k1!, k2!, k3!] }, bob, 10)).not.toBe(number);
    expect(number).toMatch(/^\d{60}$/);
  });

  it('formats as twelve groups of five digits', () => {
    expect(formatSafetyNumber('300354477692869396892869876765458257569162576843440918079131')).toBe(
      '30035 44776 92869 39689 28698 76765 45825 75691 62576 84344 09180 79131',
    );
  });
});
