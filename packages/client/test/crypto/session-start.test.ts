// Starting sessions: bundle verification, one-time and last-resort prekeys,
// the ML-KEM share, identity keys, and sessions started from both ends at once.
import { describe, expect, it } from 'vitest';
import { E2eeError, decodeEnvelope, toBase64Url } from '@sanctum/client';
import type { PrekeyBundle } from '@sanctum/client';
import { bytesOf, makeDevice, read, receive, send, takeBundle, text } from './devices.fixture.js';

function expectCode(promise: Promise<unknown>, code: string) {
  return expect(promise).rejects.toSatisfy((error) => error instanceof E2eeError && error.code === code, code);
}

describe('bundle verification before a session starts', () => {
  it('refuses a signed prekey whose signature does not verify', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    const signature = bytesOf(bundle.signedPreKey.signature);
    signature[0]! ^= 0x01;
    const forged = { ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: toBase64Url(signature) } };
    await expectCode(alice.manager.startSession(bob.address, forged), 'E2EE_BAD_SIGNATURE');
    expect(await alice.manager.hasSession(bob.address)).toBe(false);
  });

  it('refuses a bundle whose prekeys are signed by another identity key', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const mallory = await makeDevice('mallory', 'm1');
    // The Directory swaps in mallory's signed prekey (validly signed by mallory) under bob's identity key.
    const swapped: PrekeyBundle = { ...takeBundle(bob), signedPreKey: takeBundle(mallory).signedPreKey };
    await expectCode(alice.manager.startSession(bob.address, swapped), 'E2EE_BAD_SIGNATURE');
    // ...or presents mallory's identity key with bob's prekeys.
    const wrongIdentity: PrekeyBundle = { ...takeBundle(bob), identityKey: mallory.published.identityKey };
    await expectCode(alice.manager.startSession(bob.address, wrongIdentity), 'E2EE_BAD_SIGNATURE');
  });

  it('refuses an unsigned last-resort prekey and an unsigned or mis-signed ML-KEM prekey', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1', { oneTime: 0 });
    const bundle = takeBundle(bob);
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, preKey: { ...bundle.preKey!, signature: undefined } }), 'E2EE_BAD_SIGNATURE');
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, pqPreKey: { ...bundle.pqPreKey!, signature: undefined } }), 'E2EE_BAD_SIGNATURE');
    await expectCode(
      alice.manager.startSession(bob.address, { ...bundle, pqPreKey: { ...bundle.pqPreKey!, signature: bob.published.signedPreKey!.signature } }),
      'E2EE_BAD_SIGNATURE',
    );
  });

  it('refuses malformed keys, ids and a bundle for another device', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, identityKey: 'AAAA' }), 'E2EE_INVALID_KEY');
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, signedPreKey: { ...bundle.signedPreKey, keyId: -1 } }), 'E2EE_INVALID_KEY');
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, preKey: { ...bundle.preKey!, publicKey: 'not*base64' } }), 'E2EE_INVALID_KEY');
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, deviceId: 'b2' }), 'E2EE_INVALID_KEY');
    // An identity key that is no curve point at all (y = 2 has no x on edwards25519).
    const notAPoint = toBase64Url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0)));
    await expectCode(alice.manager.startSession(bob.address, { ...bundle, identityKey: notAPoint }), 'E2EE_INVALID_KEY');
  });
});

describe('one-time and last-resort prekeys', () => {
  it('consumes the one-time prekeys on first use and refuses a replay once the session is gone', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    const initial = await send(alice, bob, 'hello', bundle);
    const envelope = decodeEnvelope(bytesOf(initial.ciphertext));
    expect(envelope.prekey?.oneTimePrekey).toEqual({ keyId: bundle.preKey!.keyId, lastResort: false });
    expect(envelope.prekey?.kem?.lastResort).toBe(false);
    expect(await bob.prekeyStore.getPrekey('one-time', bundle.preKey!.keyId)).toBeDefined();
    expect(await receive(bob, initial)).toBe('hello');
    expect(await bob.prekeyStore.getPrekey('one-time', bundle.preKey!.keyId)).toBeUndefined();
    expect(await bob.prekeyStore.getPrekey('kem-one-time', bundle.pqPreKey!.keyId)).toBeUndefined();
    await bob.manager.forgetDevice(alice.address);
    await expectCode(receive(bob, initial), 'E2EE_UNKNOWN_PREKEY');
  });

  it('lets only one of two senders use a one-time key the Directory handed out twice', async () => {
    const bob = await makeDevice('bob', 'b1');
    const alice = await makeDevice('alice', 'a1');
    const carol = await makeDevice('carol', 'c1');
    const bundle = takeBundle(bob);
    const fromAlice = await send(alice, bob, 'from alice', bundle);
    const fromCarol = await send(carol, bob, 'from carol', bundle);
    const results = await Promise.allSettled([receive(bob, fromAlice), receive(bob, fromCarol)]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((result) => result.status === 'rejected');
    expect((rejected?.reason as E2eeError).code).toBe('E2EE_UNKNOWN_PREKEY');
  });

  it('does not consume a prekey for a forged initial message', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    const initial = await send(alice, bob, 'hello', bundle);
    const forged = bytesOf(initial.ciphertext);
    forged[forged.length - 1]! ^= 0x80;
    await expectCode(receive(bob, { ...initial, ciphertext: toBase64Url(forged) }), 'E2EE_DECRYPT_FAILED');
    expect(await bob.prekeyStore.getPrekey('one-time', bundle.preKey!.keyId)).toBeDefined();
    expect(await receive(bob, initial)).toBe('hello');
  });

  it('falls back to the last-resort prekey, keeps it, and refuses a replayed key agreement on it', async () => {
    const bob = await makeDevice('bob', 'b1', { oneTime: 1, pqOneTime: 0 });
    const alice = await makeDevice('alice', 'a1');
    const carol = await makeDevice('carol', 'c1');
    expect(await receive(bob, await send(carol, bob, 'takes the last one-time key', takeBundle(bob)))).toBe('takes the last one-time key');
    const bundle = takeBundle(bob);
    expect(bundle.preKey?.lastResort).toBe(true);
    expect(bundle.pqPreKey?.lastResort).toBe(true);
    const initial = await send(alice, bob, 'on the last-resort key', bundle);
    expect(decodeEnvelope(bytesOf(initial.ciphertext)).prekey?.oneTimePrekey?.lastResort).toBe(true);
    expect(await receive(bob, initial)).toBe('on the last-resort key');
    expect(await bob.prekeyStore.getPrekey('last-resort', bundle.preKey!.keyId)).toBeDefined();
    expect(await bob.prekeyStore.getPrekey('kem-last-resort', bundle.pqPreKey!.keyId)).toBeDefined();
    expect(await receive(alice, await send(bob, alice, 'works'))).toBe('works');
    // Even with the session gone, the same initial message is not accepted twice.
    await bob.manager.forgetDevice(alice.address);
    await expectCode(receive(bob, initial), 'E2EE_PREKEY_REUSED');
    // A fresh key agreement on the same last-resort key is fine.
    const again = await makeDevice('alice', 'a2');
    expect(await receive(bob, await send(again, bob, 'another sender', takeBundle(bob)))).toBe('another sender');
  });

  it('refuses an initial message naming a signed prekey the device no longer holds', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    await bob.prekeyStore.removePrekey('signed', bundle.signedPreKey.keyId);
    await expectCode(receive(bob, await send(alice, bob, 'hello', bundle)), 'E2EE_UNKNOWN_PREKEY');
  });
});

describe('the post-quantum share (PQXDH)', () => {
  it('mixes ML-KEM-768 into the key agreement when the bundle has a KEM prekey', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const initial = await send(alice, bob, 'post-quantum', takeBundle(bob));
    expect(decodeEnvelope(bytesOf(initial.ciphertext)).prekey?.kem?.ciphertext.length).toBe(1088);
    expect(await receive(bob, initial)).toBe('post-quantum');
  });

  it('runs classic X3DH when the bundle has no KEM prekey or the sender opts out', async () => {
    const bob = await makeDevice('bob', 'b1');
    const alice = await makeDevice('alice', 'a1');
    const classic = await send(alice, bob, 'classic', takeBundle(bob, { pq: false }));
    expect(decodeEnvelope(bytesOf(classic.ciphertext)).prekey?.kem).toBeUndefined();
    expect(await receive(bob, classic)).toBe('classic');
    const carol = await makeDevice('carol', 'c1', { manager: { postQuantum: false } });
    const optedOut = await send(carol, bob, 'opted out', takeBundle(bob));
    expect(decodeEnvelope(bytesOf(optedOut.ciphertext)).prekey?.kem).toBeUndefined();
    expect(await receive(bob, optedOut)).toBe('opted out');
  });

  it('works with neither a one-time prekey nor a KEM key (signed prekey only)', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const bundle: PrekeyBundle = { ...takeBundle(bob, { pq: false }), preKey: null };
    const initial = await send(alice, bob, 'minimal', bundle);
    expect(decodeEnvelope(bytesOf(initial.ciphertext)).prekey?.oneTimePrekey).toBeUndefined();
    expect(await receive(bob, initial)).toBe('minimal');
    await bob.manager.forgetDevice(alice.address);
    await expectCode(receive(bob, initial), 'E2EE_PREKEY_REUSED');
  });

  it('refuses a bundle without a KEM prekey when post-quantum is required (no downgrade by the Directory)', async () => {
    const alice = await makeDevice('alice', 'a1', { manager: { requirePostQuantum: true } });
    const bob = await makeDevice('bob', 'b1');
    await expectCode(alice.manager.startSession(bob.address, takeBundle(bob, { pq: false })), 'E2EE_POST_QUANTUM_REQUIRED');
    expect(await receive(bob, await send(alice, bob, 'with ML-KEM', takeBundle(bob)))).toBe('with ML-KEM');
  });

  it('fails to decrypt when the KEM ciphertext was swapped', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const initial = await send(alice, bob, 'hello', takeBundle(bob));
    const bytes = bytesOf(initial.ciphertext);
    const kemStart = 2 + 1 + 32 + 32 + 4 + 4 + 4;
    bytes[kemStart + 10]! ^= 0x01;
    await expectCode(receive(bob, { ...initial, ciphertext: toBase64Url(bytes) }), 'E2EE_DECRYPT_FAILED');
  });
});

describe('identity keys', () => {
  it('records a device identity key on first use and refuses a different one later', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    await alice.manager.startSession(bob.address, takeBundle(bob));
    const impostor = await makeDevice('bob', 'b1');
    await expectCode(alice.manager.startSession(bob.address, takeBundle(impostor)), 'E2EE_IDENTITY_CHANGED');
    await expectCode(receive(alice, await send(impostor, alice, 'it is me, bob', takeBundle(alice))), 'E2EE_IDENTITY_CHANGED');
    await alice.manager.forgetDevice(bob.address);
    await alice.manager.startSession(bob.address, takeBundle(impostor));
    expect(await alice.identityStore.getRemoteIdentity(bob.address)).toEqual(impostor.identity.publicKey);
  });

  it('refuses its own initial message reflected back under the peer’s name', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const initial = await send(alice, bob, 'hello', takeBundle(bob));
    await expectCode(receive(alice, { ...initial, senderAccountId: 'bob', senderDeviceId: 'b1' }), 'E2EE_IDENTITY_CHANGED');
  });
});

describe('sessions started from both ends at once', () => {
  it('converges on one session and keeps every message readable', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    const fromAlice = await send(alice, bob, 'alice starts', takeBundle(bob));
    const fromBob = await send(bob, alice, 'bob starts', takeBundle(alice));
    expect(await receive(bob, fromAlice)).toBe('alice starts');
    expect(await receive(alice, fromBob)).toBe('bob starts');
    for (let round = 0; round < 3; round++) {
      expect(await receive(bob, await send(alice, bob, `a${round}`))).toBe(`a${round}`);
      expect(await receive(alice, await send(bob, alice, `b${round}`))).toBe(`b${round}`);
    }
    expect(read(await bob.manager.decrypt(await send(alice, bob, 'done')))).toBe('done');
  });

  it('replaces a session with a new one from a fresh bundle, still reading late messages of the old one', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    await receive(bob, await send(alice, bob, 'first session', takeBundle(bob)));
    await receive(alice, await send(bob, alice, 'ack'));
    const late = await send(alice, bob, 'late on the first session');
    await alice.manager.startSession(bob.address, takeBundle(bob));
    expect(await receive(bob, await send(alice, bob, 'second session'))).toBe('second session');
    expect(await receive(bob, late)).toBe('late on the first session');
    expect(await alice.manager.encryptFor(bob.address, text('x'))).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
