// Several devices per account, fan-out to a Messaging send, persistence of the
// stores mid-conversation, and the MAX_SKIP bound through the session layer.
import { describe, expect, it } from 'vitest';
import { E2eeError, encryptForDevices, recipientsFromBundles, toBase64Url } from '@sanctum/client';
import type { DeviceEnvelope, PrekeyBundle } from '@sanctum/client';
import type { TestDevice } from './devices.fixture.js';
import { makeDevice, read, receive, restore, send, takeBundle, text } from './devices.fixture.js';

function deliver(from: TestDevice, envelopes: DeviceEnvelope[], to: TestDevice) {
  const envelope = envelopes.find((candidate) => candidate.deviceId === to.address.deviceId);
  if (envelope === undefined) throw new Error(`nothing for ${to.address.deviceId}`);
  return receive(to, { senderAccountId: from.address.accountId, senderDeviceId: from.address.deviceId, ciphertext: envelope.ciphertext });
}

describe('three devices: a recipient and the sender’s own other device', () => {
  it('fans one message out to every device and lets each one reply', async () => {
    const alice1 = await makeDevice('alice', 'a1');
    const alice2 = await makeDevice('alice', 'a2');
    const bob = await makeDevice('bob', 'b1');
    const devices = [
      { ...bob.address, bundle: takeBundle(bob) },
      { ...alice2.address, bundle: takeBundle(alice2) },
      { ...alice1.address },
    ];
    const first = await encryptForDevices(alice1.manager, text('hello everyone'), devices, { exclude: alice1.address });
    expect(first.envelopes.map((envelope) => envelope.deviceId)).toEqual(['b1', 'a2']);
    expect(first.missingBundles).toEqual([]);
    expect(await deliver(alice1, first.envelopes, bob)).toBe('hello everyone');
    expect(await deliver(alice1, first.envelopes, alice2)).toBe('hello everyone');

    // Bob answers both of alice's devices; alice2 needs a session with bob first.
    const reply = await encryptForDevices(bob.manager, text('hi alice'), [
      { ...alice1.address },
      { ...alice2.address, bundle: takeBundle(alice2) },
    ]);
    expect(await deliver(bob, reply.envelopes, alice1)).toBe('hi alice');
    expect(await deliver(bob, reply.envelopes, alice2)).toBe('hi alice');

    // Sessions exist now: later sends need no bundles at all.
    for (let round = 0; round < 3; round++) {
      const sent = await encryptForDevices(alice2.manager, text(`sync ${round}`), [{ ...bob.address }, { ...alice1.address, bundle: round === 0 ? takeBundle(alice1) : undefined }]);
      expect(await deliver(alice2, sent.envelopes, bob)).toBe(`sync ${round}`);
      expect(await deliver(alice2, sent.envelopes, alice1)).toBe(`sync ${round}`);
    }
  });

  it('reports devices that need a bundle and devices whose bundle is refused', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob1 = await makeDevice('bob', 'b1');
    const bob2 = await makeDevice('bob', 'b2');
    const bob3 = await makeDevice('bob', 'b3');
    const broken: PrekeyBundle = { ...takeBundle(bob3), signedPreKey: { ...takeBundle(bob3).signedPreKey, signature: toBase64Url(new Uint8Array(64)) } };
    const result = await encryptForDevices(alice.manager, text('hi'), [
      { ...bob1.address, bundle: takeBundle(bob1) },
      { ...bob2.address },
      { ...bob3.address, bundle: broken },
    ]);
    expect(result.envelopes.map((envelope) => envelope.deviceId)).toEqual(['b1']);
    expect(result.missingBundles).toEqual([bob2.address]);
    expect(result.failed.map((failure) => [failure.deviceId, failure.error.code])).toEqual([['b3', 'E2EE_BAD_SIGNATURE']]);
  });

  it('lets errors other than E2eeError through', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    alice.sessionStore.storeSession = () => Promise.reject(new Error('disk full'));
    await expect(encryptForDevices(alice.manager, text('hi'), [{ ...bob.address, bundle: takeBundle(bob) }])).rejects.toThrow('disk full');
  });

  it('turns Directory bundle answers into recipients', async () => {
    const bob1 = await makeDevice('bob', 'b1');
    const bob2 = await makeDevice('bob', 'b2');
    const carol = await makeDevice('carol', 'c1');
    const recipients = recipientsFromBundles(
      { accountId: 'bob', devices: [{ ...takeBundle(bob1), deviceId: 'b1' }, { ...takeBundle(bob2), deviceId: 'b2' }] },
      { accountId: 'carol', devices: [{ ...takeBundle(carol), deviceId: 'c1' }] },
    );
    expect(recipients.map((recipient) => [recipient.accountId, recipient.deviceId])).toEqual([['bob', 'b1'], ['bob', 'b2'], ['carol', 'c1']]);
    expect(recipients.every((recipient) => recipient.bundle !== undefined)).toBe(true);
    const alice = await makeDevice('alice', 'a1');
    const sent = await encryptForDevices(alice.manager, text('to all'), recipients);
    expect(await deliver(alice, sent.envelopes, carol)).toBe('to all');
    expect(await alice.sessionStore.listSessionDevices('bob')).toEqual(['b1', 'b2']);
  });
});

describe('persistence', () => {
  it('continues a conversation after both devices are restored from JSON, skipped keys included', async () => {
    let alice = await makeDevice('alice', 'a1');
    let bob = await makeDevice('bob', 'b1');
    const bundle = takeBundle(bob);
    expect(await receive(bob, await send(alice, bob, 'one', bundle))).toBe('one');
    expect(await receive(alice, await send(bob, alice, 'two'))).toBe('two');
    const skipped = await send(alice, bob, 'delayed');
    expect(await receive(bob, await send(alice, bob, 'three'))).toBe('three');
    const pendingForAlice = await send(bob, alice, 'in flight during the restart');

    alice = restore(alice);
    bob = restore(bob);
    expect(await receive(alice, pendingForAlice)).toBe('in flight during the restart');
    expect(await receive(bob, skipped)).toBe('delayed');
    for (let round = 0; round < 3; round++) {
      expect(await receive(bob, await send(alice, bob, `a${round}`))).toBe(`a${round}`);
      expect(await receive(alice, await send(bob, alice, `b${round}`))).toBe(`b${round}`);
    }
    // The consumed one-time key stayed consumed across the restart.
    expect(await bob.prekeyStore.getPrekey('one-time', bundle.preKey!.keyId)).toBeUndefined();
  });

  it('keeps the pending X3DH fields of an unanswered session across a restart', async () => {
    let alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    await send(alice, bob, 'lost', takeBundle(bob));
    alice = restore(alice);
    expect(await receive(bob, await send(alice, bob, 'after restart'))).toBe('after restart');
  });

  it('refuses a corrupt stored session with E2EE_INVALID_STATE', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1');
    await alice.manager.startSession(bob.address, takeBundle(bob));
    const json = (await alice.sessionStore.loadSession(bob.address))!;
    await alice.sessionStore.storeSession(bob.address, { ...json, version: 99 });
    await expect(alice.manager.encryptFor(bob.address, text('x'))).rejects.toSatisfy(
      (error) => error instanceof E2eeError && error.code === 'E2EE_INVALID_STATE',
    );
  });
});

describe('MAX_SKIP through the session layer', () => {
  it('refuses a header that skips more than MAX_SKIP keys, without harming the session', async () => {
    const alice = await makeDevice('alice', 'a1');
    const bob = await makeDevice('bob', 'b1', { manager: { limits: { maxSkip: 5 } } });
    const bundle = takeBundle(bob);
    const sent = [];
    for (let i = 0; i < 8; i++) sent.push(await send(alice, bob, `m${i}`, bundle));
    await expect(receive(bob, sent[7]!)).rejects.toSatisfy((error) => error instanceof E2eeError && error.code === 'E2EE_TOO_MANY_SKIPPED');
    expect(await receive(bob, sent[0]!)).toBe('m0');
    expect(await receive(bob, sent[6]!)).toBe('m6');
    expect(await receive(bob, sent[7]!)).toBe('m7');
    for (const i of [1, 2, 3, 4, 5]) expect(read(await bob.manager.decrypt(sent[i]!))).toBe(`m${i}`);
  });
});
