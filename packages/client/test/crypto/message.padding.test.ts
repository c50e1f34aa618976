// Plaintext padding: block sizes and refusal of broken padding.
import { describe, expect, it } from 'vitest';
import { E2eeError } from '@sanctum/client';
import { pad, unpad } from '../../src/crypto/message.padding.js';

describe('message padding', () => {
  it('pads to the next whole block, always adding at least one byte', () => {
    expect(pad(new Uint8Array(0)).length).toBe(160);
    expect(pad(new Uint8Array(159)).length).toBe(160);
    expect(pad(new Uint8Array(160)).length).toBe(320);
    expect(pad(Uint8Array.of(1, 2, 0), 8)).toEqual(Uint8Array.of(1, 2, 0, 0x80, 0, 0, 0, 0));
  });

  it('unpads, keeping trailing zeros of the content', () => {
    expect(unpad(pad(Uint8Array.of(0, 0, 5, 0, 0)))).toEqual(Uint8Array.of(0, 0, 5, 0, 0));
  });

  it('refuses padding without its 0x80 marker', () => {
    for (const broken of [new Uint8Array(16), Uint8Array.of(1, 2, 3, 0), new Uint8Array(0)]) {
      expect(() => unpad(broken)).toThrow(E2eeError);
    }
  });
});
