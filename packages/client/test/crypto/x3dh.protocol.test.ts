// X3DH / PQXDH key agreement on its own: both ends derive the same SK and AD,
// and any missing or wrong input gives a different SK.
import { describe, expect, it } from 'vitest';
import { PrekeyGenerator, MemoryPrekeyStore, generateIdentityKeyPair, verifyBundle } from '@sanctum/client';
import type { KeyPair, KeyUploadPayload, PrekeyBundle, VerifiedBundle } from '@sanctum/client';
import { PQXDH_INFO, X3DH_INFO, initiate, respond } from '../../src/crypto/x3dh.protocol.js';

async function responder() {
  const identity = generateIdentityKeyPair();
  const store = new MemoryPrekeyStore();
  const upload: KeyUploadPayload = await new PrekeyGenerator(identity, store).generate({ oneTimePrekeys: 1, pqOneTimePrekeys: 1 });
  const bundle: PrekeyBundle = {
    identityKey: upload.identityKey,
    signedPreKey: upload.signedPreKey!,
    preKey: { ...upload.oneTimePreKeys![0]!, lastResort: false },
    pqPreKey: { ...upload.pqOneTimePreKeys![0]!, lastResort: false },
  };
  const pairOf = async (kind: 'signed' | 'one-time' | 'kem-one-time', keyId: number): Promise<KeyPair> => {
    const record = (await store.getPrekey(kind, keyId))!;
    return { publicKey: record.publicKey, secretKey: record.secretKey };
  };
  return {
    identity,
    bundle,
    signedPrekey: await pairOf('signed', bundle.signedPreKey.keyId),
    oneTimePrekey: await pairOf('one-time', bundle.preKey!.keyId),
    kem: await pairOf('kem-one-time', bundle.pqPreKey!.keyId),
  };
}

describe('X3DH / PQXDH', () => {
  it('uses distinct KDF info strings for the two modes', () => {
    expect(X3DH_INFO).not.toBe(PQXDH_INFO);
  });

  it('agrees on SK and AD = IK_A || IK_B with all four DHs and the KEM share', async () => {
    const bob = await responder();
    const alice = generateIdentityKeyPair();
    const verified: VerifiedBundle = verifyBundle(bob.bundle);
    const start = initiate(alice, verified);
    expect(start.prekey.kem).toBeDefined();
    const end = respond(bob.identity, start.prekey, { signedPrekey: bob.signedPrekey, oneTimePrekey: bob.oneTimePrekey, kemSecretKey: bob.kem.secretKey });
    expect(end.sharedSecret).toEqual(start.sharedSecret);
    expect(start.associatedData).toEqual(new Uint8Array([...alice.publicKey, ...bob.identity.publicKey]));
    expect(end.associatedData).toEqual(start.associatedData);
    expect(start.remoteRatchetKey).toEqual(bob.signedPrekey.publicKey);
  });

  it('derives a different SK when the responder lacks the one-time key or the KEM share', async () => {
    const bob = await responder();
    const alice = generateIdentityKeyPair();
    const start = initiate(alice, verifyBundle(bob.bundle));
    const withoutOneTime = respond(bob.identity, start.prekey, { signedPrekey: bob.signedPrekey, kemSecretKey: bob.kem.secretKey });
    const withoutKem = respond(bob.identity, start.prekey, { signedPrekey: bob.signedPrekey, oneTimePrekey: bob.oneTimePrekey });
    expect(withoutOneTime.sharedSecret).not.toEqual(start.sharedSecret);
    expect(withoutKem.sharedSecret).not.toEqual(start.sharedSecret);
  });

  it('agrees without the KEM share when the initiator opts out, and the two modes never coincide', async () => {
    const bob = await responder();
    const alice = generateIdentityKeyPair();
    const start = initiate(alice, verifyBundle(bob.bundle), { postQuantum: false });
    expect(start.prekey.kem).toBeUndefined();
    const end = respond(bob.identity, start.prekey, { signedPrekey: bob.signedPrekey, oneTimePrekey: bob.oneTimePrekey, kemSecretKey: bob.kem.secretKey });
    expect(end.sharedSecret).toEqual(start.sharedSecret);
  });

  it('derives a different SK for a different initiator identity (identity binding)', async () => {
    const bob = await responder();
    const alice = generateIdentityKeyPair();
    const mallory = generateIdentityKeyPair();
    const start = initiate(alice, verifyBundle(bob.bundle));
    const claimed = respond(bob.identity, { ...start.prekey, identityKey: mallory.publicKey }, {
      signedPrekey: bob.signedPrekey,
      oneTimePrekey: bob.oneTimePrekey,
      kemSecretKey: bob.kem.secretKey,
    });
    expect(claimed.sharedSecret).not.toEqual(start.sharedSecret);
  });
});
