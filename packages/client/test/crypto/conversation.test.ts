// Whole conversations through SessionManager: X3DH/PQXDH start, Double Ratchet
// round trips, out-of-order and lost delivery, replays and tampering.
import { describe, expect, it } from 'vitest';
import { E2eeError, decodeEnvelope } from '@sanctum/client';
import { bytesOf, ciphertextOf, makeDevice, receive, send, takeBundle, text } from './devices.fixture.js';

function expectCode(promise: Promise<unknown>, code: string) {
  return expect(promise).rejects.toSatisfy((error) => error instanceof E2eeError && error.code === code, code);
}

describe('a conversation between two devices', () => {
  it('starts with prekey messages and switches to normal messages once the peer replies', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const first = await send(alice, bob, 'hello bob', takeBundle(bob));
    const second = await send(alice, bob, 'are you there?');
    expect(decodeEnvelope(bytesOf(first.ciphertext)).prekey).toBeDefined();
    expect(decodeEnvelope(bytesOf(second.ciphertext)).prekey).toBeDefined();
    expect(await receive(bob, first)).toBe('hello bob');
    expect(await receive(bob, second)).toBe('are you there?');
    const reply = await send(bob, alice, 'hi alice');
    expect(decodeEnvelope(bytesOf(reply.ciphertext)).prekey).toBeUndefined();
    expect(await receive(alice, reply)).toBe('hi alice');
    const third = await send(alice, bob, 'great');
    expect(decodeEnvelope(bytesOf(third.ciphertext)).prekey).toBeUndefined();
    expect(await receive(bob, third)).toBe('great');
  });

  it('steps the DH ratchet on every change of speaker over many round trips', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    expect(await receive(bob, await send(alice, bob, 'start', takeBundle(bob)))).toBe('start');
    const ratchetKeys = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const fromBob = await send(bob, alice, `bob ${round}`);
      ratchetKeys.add(ciphertextOf(decodeEnvelope(bytesOf(fromBob.ciphertext)).header.ratchetKey));
      expect(await receive(alice, fromBob)).toBe(`bob ${round}`);
      const fromAlice = await send(alice, bob, `alice ${round}`);
      ratchetKeys.add(ciphertextOf(decodeEnvelope(bytesOf(fromAlice.ciphertext)).header.ratchetKey));
      expect(await receive(bob, fromAlice)).toBe(`alice ${round}`);
    }
    // A fresh ratchet key for every turn of each side: 80 turns, 80 distinct keys.
    expect(ratchetKeys.size).toBe(80);
  });

  it('decrypts messages delivered out of order, across ratchet steps', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    const early = [];
    for (let i = 0; i < 5; i++) early.push(await send(alice, bob, `m${i}`, bundle));
    // The third message arrives first: it carries the X3DH fields too, so it can start the session.
    for (const i of [2, 4, 0, 3, 1]) expect(await receive(bob, early[i]!)).toBe(`m${i}`);
    const replies = [await send(bob, alice, 'r0'), await send(bob, alice, 'r1')];
    const later = [await send(alice, bob, 'x0')];
    expect(await receive(alice, replies[1]!)).toBe('r1');
    later.push(await send(alice, bob, 'x1'));
    expect(await receive(bob, later[1]!)).toBe('x1');
    expect(await receive(bob, later[0]!)).toBe('x0');
    expect(await receive(alice, replies[0]!)).toBe('r0');
  });

  it('carries on when messages are lost, and still opens the first message if it was the one lost', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    await send(alice, bob, 'lost: the initial message', bundle);
    expect(await receive(bob, await send(alice, bob, 'second'))).toBe('second');
    await send(bob, alice, 'lost reply');
    expect(await receive(alice, await send(bob, alice, 'reply'))).toBe('reply');
    for (let i = 0; i < 3; i++) await send(alice, bob, `lost ${i}`);
    expect(await receive(bob, await send(alice, bob, 'after losses'))).toBe('after losses');
    expect(await receive(alice, await send(bob, alice, 'still here'))).toBe('still here');
  });

  it('refuses every replay: same chain, an older chain and the initial message', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const initial = await send(alice, bob, 'first', takeBundle(bob));
    const next = await send(alice, bob, 'second');
    await receive(bob, initial);
    await receive(bob, next);
    await expectCode(receive(bob, next), 'E2EE_DUPLICATE_MESSAGE');
    await expectCode(receive(bob, initial), 'E2EE_DUPLICATE_MESSAGE');
    await receive(alice, await send(bob, alice, 'reply'));
    const onNewChain = await send(alice, bob, 'third');
    expect(await receive(bob, onNewChain)).toBe('third');
    await expectCode(receive(bob, next), 'E2EE_DUPLICATE_MESSAGE');
    await expectCode(receive(bob, onNewChain), 'E2EE_DUPLICATE_MESSAGE');
  });

  it('refuses tampered ciphertexts and headers, and the session survives them', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    await receive(bob, await send(alice, bob, 'setup', takeBundle(bob)));
    await receive(alice, await send(bob, alice, 'ack'));
    const genuine = await send(alice, bob, 'genuine');
    const bytes = bytesOf(genuine.ciphertext);
    const headerLength = decodeEnvelope(bytes).headerBytes.length;
    // Offsets: last ciphertext byte, the message number, the previous-chain length, the ratchet key.
    for (const offset of [bytes.length - 1, headerLength - 1, headerLength - 5, 2]) {
      const tampered = Uint8Array.from(bytes);
      tampered[offset]! ^= 0x01;
      await expect(receive(bob, { ...genuine, ciphertext: ciphertextOf(tampered) })).rejects.toBeInstanceOf(E2eeError);
    }
    const truncated = bytes.slice(0, bytes.length - 1);
    await expectCode(receive(bob, { ...genuine, ciphertext: ciphertextOf(truncated) }), 'E2EE_DECRYPT_FAILED');
    expect(await receive(bob, genuine)).toBe('genuine');
  });

  it('refuses a message from a device it has no session with, and garbage', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const carol = await makeDevice('carol', 'c1');
    await receive(bob, await send(alice, bob, 'setup', takeBundle(bob)));
    const reply = await send(bob, alice, 'normal message');
    await expectCode(receive(carol, reply), 'E2EE_NO_SESSION');
    await expectCode(alice.manager.encryptFor(carol.address, text('no bundle')), 'E2EE_NO_SESSION');
    await expectCode(receive(alice, { ...reply, ciphertext: 'not base64url!' }), 'E2EE_MALFORMED_ENVELOPE');
    // A normal message from alice's device, claimed to come from carol: no session with carol.
    await expectCode(receive(bob, { ...reply, senderAccountId: 'carol', senderDeviceId: 'c1' }), 'E2EE_NO_SESSION');
  });

  it('serialises operations per device, so concurrent sends all arrive', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    const envelopes = await Promise.all(Array.from({ length: 10 }, (_, i) => send(alice, bob, `parallel ${i}`, bundle)));
    const numbers = envelopes.map((envelope) => decodeEnvelope(bytesOf(envelope.ciphertext)).header.messageNumber);
    expect(numbers.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const received = await Promise.all(envelopes.map((envelope) => receive(bob, envelope)));
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => `parallel ${i}`));
  });

  it('pads plaintexts to 160-byte blocks so lengths leak only a bucket', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    await receive(bob, await send(alice, bob, 'setup', takeBundle(bob)));
    await receive(alice, await send(bob, alice, 'ack'));
    const short = decodeEnvelope(bytesOf((await send(alice, bob, 'a')).ciphertext)).ciphertext.length;
    const longer = decodeEnvelope(bytesOf((await send(alice, bob, 'a'.repeat(150))).ciphertext)).ciphertext.length;
    const block = decodeEnvelope(bytesOf((await send(alice, bob, 'a'.repeat(160))).ciphertext)).ciphertext.length;
    expect(short).toBe(160 + 16);
    expect(longer).toBe(short);
    expect(block).toBe(320 + 16);
    expect(await receive(bob, await send(alice, bob, ''))).toBe('');
  });
});
