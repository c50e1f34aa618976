// The Double Ratchet on its own (a shared secret stands in for X3DH): chains,
// skipped keys and their bounds, transactional decryption, state JSON.
import { describe, expect, it } from 'vitest';
import { E2eeError } from '@sanctum/client';
import { generateX25519KeyPair, randomBytes } from '../../src/crypto/crypto.primitives.js';
import { decodeEnvelope, encodeEnvelopePrefix } from '../../src/crypto/envelope.codec.js';
import type { RatchetLimits } from '../../src/crypto/ratchet.protocol.js';
import { DEFAULT_RATCHET_LIMITS, initRatchetAsInitiator, initRatchetAsResponder, ratchetDecrypt, ratchetEncrypt } from '../../src/crypto/ratchet.protocol.js';
import type { RatchetState } from '../../src/crypto/ratchet.state.js';
import { ratchetStateFromJson, ratchetStateToJson } from '../../src/crypto/ratchet.state.js';

const PREFIX = encodeEnvelopePrefix(undefined);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function pair(): { alice: { state: RatchetState }; bob: { state: RatchetState } } {
  const sharedSecret = randomBytes(32);
  const bobKeys = generateX25519KeyPair();
  const ad = randomBytes(64);
  return {
    alice: { state: initRatchetAsInitiator(sharedSecret, bobKeys.publicKey, ad) },
    bob: { state: initRatchetAsResponder(sharedSecret, bobKeys, ad) },
  };
}

function encrypt(party: { state: RatchetState }, message: string): Uint8Array {
  return ratchetEncrypt(party.state, encoder.encode(message), PREFIX);
}

function decrypt(party: { state: RatchetState }, envelope: Uint8Array, limits: RatchetLimits = DEFAULT_RATCHET_LIMITS): string {
  const decoded = decodeEnvelope(envelope);
  const { state, plaintext } = ratchetDecrypt(party.state, decoded.header, decoded.headerBytes, decoded.ciphertext, limits);
  party.state = state;
  return decoder.decode(plaintext);
}

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof E2eeError ? error.code : String(error);
  }
  return undefined;
}

describe('Double Ratchet', () => {
  it('lets the responder send only after it has received', () => {
    const { alice, bob } = pair();
    expect(code(() => encrypt(bob, 'too early'))).toBe('E2EE_INVALID_STATE');
    expect(decrypt(bob, encrypt(alice, 'hi'))).toBe('hi');
    expect(decrypt(alice, encrypt(bob, 'now I can'))).toBe('now I can');
  });

  it('counts PN and N in headers across ratchet steps', () => {
    const { alice, bob } = pair();
    const a = [encrypt(alice, 'a0'), encrypt(alice, 'a1'), encrypt(alice, 'a2')];
    expect(a.map((bytes) => decodeEnvelope(bytes).header.messageNumber)).toEqual([0, 1, 2]);
    for (const bytes of a) decrypt(bob, bytes);
    decrypt(alice, encrypt(bob, 'b0'));
    const next = decodeEnvelope(encrypt(alice, 'a3')).header;
    expect(next.previousChainLength).toBe(3);
    expect(next.messageNumber).toBe(0);
  });

  it('keeps skipped keys for a message on the previous chain (PN) and uses each once', () => {
    const { alice, bob } = pair();
    const lateOnFirstChain = [encrypt(alice, 'a0'), encrypt(alice, 'a1')];
    decrypt(bob, encrypt(alice, 'a2'));
    decrypt(alice, encrypt(bob, 'b0'));
    const onSecondChain = encrypt(alice, 'a3');
    expect(decrypt(bob, onSecondChain)).toBe('a3');
    expect(bob.state.skipped.size).toBe(2);
    expect(decrypt(bob, lateOnFirstChain[1]!)).toBe('a1');
    expect(decrypt(bob, lateOnFirstChain[0]!)).toBe('a0');
    expect(bob.state.skipped.size).toBe(0);
    expect(code(() => decrypt(bob, lateOnFirstChain[0]!))).toBe('E2EE_DUPLICATE_MESSAGE');
  });

  it('refuses to skip more than MAX_SKIP keys on the previous chain too (PN)', () => {
    const { alice, bob } = pair();
    decrypt(bob, encrypt(alice, 'read'));
    for (let i = 0; i < 4; i++) encrypt(alice, `never delivered ${i}`);
    decrypt(alice, encrypt(bob, 'reply'));
    // Alice's new chain says PN = 5 while bob has read one message of the old chain: 4 keys to skip there.
    expect(code(() => decrypt(bob, encrypt(alice, 'z'), { maxSkip: 2, maxStoredSkipped: 100 }))).toBe('E2EE_TOO_MANY_SKIPPED');
    expect(decrypt(bob, encrypt(alice, 'z2'), { maxSkip: 4, maxStoredSkipped: 100 })).toBe('z2');
    expect(bob.state.skipped.size).toBe(5);
  });

  it('evicts the oldest skipped keys beyond the stored cap', () => {
    const { alice, bob } = pair();
    const sent = Array.from({ length: 6 }, (_, i) => encrypt(alice, `m${i}`));
    expect(decrypt(bob, sent[5]!, { maxSkip: 10, maxStoredSkipped: 3 })).toBe('m5');
    expect([...bob.state.skipped.keys()].map((id) => Number(id.split(':')[1]))).toEqual([2, 3, 4]);
    expect(code(() => decrypt(bob, sent[0]!))).toBe('E2EE_DUPLICATE_MESSAGE');
    expect(decrypt(bob, sent[2]!)).toBe('m2');
  });

  it('leaves the state untouched when authentication fails', () => {
    const { alice, bob } = pair();
    const genuine = encrypt(alice, 'genuine');
    const forged = Uint8Array.from(genuine);
    forged[forged.length - 1]! ^= 1;
    const before = JSON.stringify(ratchetStateToJson(bob.state));
    expect(code(() => decrypt(bob, forged))).toBe('E2EE_DECRYPT_FAILED');
    expect(JSON.stringify(ratchetStateToJson(bob.state))).toBe(before);
    // A forged skipped-key hit also leaves the key in place.
    const first = encrypt(alice, 'first');
    const second = encrypt(alice, 'second');
    expect(decrypt(bob, second)).toBe('second');
    const forgedFirst = Uint8Array.from(first);
    forgedFirst[forgedFirst.length - 1]! ^= 1;
    expect(code(() => decrypt(bob, forgedFirst))).toBe('E2EE_DECRYPT_FAILED');
    expect(decrypt(bob, first)).toBe('first');
    expect(decrypt(bob, genuine)).toBe('genuine');
  });

  it('forgets only a bounded number of the peer’s former ratchet keys', () => {
    const { alice, bob } = pair();
    for (let round = 0; round < 20; round++) {
      decrypt(bob, encrypt(alice, `a${round}`));
      decrypt(alice, encrypt(bob, `b${round}`));
    }
    expect(bob.state.retiredRemoteKeys.length).toBe(16);
  });
});

describe('ratchet state JSON', () => {
  it('round-trips mid-conversation with skipped keys', () => {
    const { alice, bob } = pair();
    const skipped = encrypt(alice, 'skipped');
    decrypt(bob, encrypt(alice, 'next'));
    const restored = { state: ratchetStateFromJson(JSON.parse(JSON.stringify(ratchetStateToJson(bob.state)))) };
    expect(decrypt(restored, skipped)).toBe('skipped');
    expect(decrypt(alice, encrypt(restored, 'reply'))).toBe('reply');
  });

  it('round-trips a responder state that has not received yet', () => {
    const { alice, bob } = pair();
    const restored = { state: ratchetStateFromJson(JSON.parse(JSON.stringify(ratchetStateToJson(bob.state)))) };
    expect(restored.state.remoteRatchetKey).toBeNull();
    expect(decrypt(restored, encrypt(alice, 'first'))).toBe('first');
  });

  it('refuses unreadable state', () => {
    const { alice, bob } = pair();
    decrypt(bob, encrypt(alice, 'x'));
    encrypt(alice, 'skipped');
    decrypt(bob, encrypt(alice, 'y'));
    const json = ratchetStateToJson(bob.state) as unknown as Record<string, unknown>;
    const broken: unknown[] = [
      null,
      'text',
      { ...json, sendingKeyPair: null },
      { ...json, skipped: 'none' },
      { ...json, retiredRemoteKeys: undefined },
      { ...json, skipped: [['id']] },
      { ...json, skipped: [[1, 'AAAA']] },
      { ...json, retiredRemoteKeys: [7] },
      { ...json, rootKey: 'AAAA' },
      { ...json, rootKey: 42 },
      { ...json, rootKey: '!!' },
      { ...json, previousSendingLength: -1 },
      { ...json, previousSendingLength: 1.5 },
      { ...json, sendingChain: 'chain' },
      { ...json, receivingChain: { key: json.rootKey, index: 'x' } },
    ];
    for (const value of broken) expect(code(() => ratchetStateFromJson(value)), JSON.stringify(value)).toBe('E2EE_INVALID_STATE');
  });
});
