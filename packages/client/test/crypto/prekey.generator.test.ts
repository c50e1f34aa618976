// What a device uploads and what it keeps: public halves signed where the
// Directory expects it, private halves in the store, replenishing and pruning.
import { describe, expect, it } from 'vitest';
import { MemoryPrekeyStore, PrekeyGenerator, fromBase64Url, generateIdentityKeyPair, toBase64Url } from '@sanctum/client';
import { ed25519Verify, generateX25519KeyPair } from '../../src/crypto/crypto.primitives.js';
import { roundTrip } from './devices.fixture.js';

describe('PrekeyGenerator', () => {
  it('returns the upload body with valid signatures and keeps every private half', async () => {
    const identity = generateIdentityKeyPair();
    const store = new MemoryPrekeyStore(100, 10);
    const upload = await new PrekeyGenerator(identity, store).generate({ oneTimePrekeys: 3, pqOneTimePrekeys: 2 });
    expect(upload.identityKey).toBe(toBase64Url(identity.publicKey));
    const signed = [upload.signedPreKey!, upload.lastResortPreKey!, upload.pqLastResortPreKey!, ...upload.pqOneTimePreKeys!];
    for (const key of signed) {
      expect(ed25519Verify(identity.publicKey, fromBase64Url(key.publicKey), fromBase64Url(key.signature))).toBe(true);
    }
    expect(fromBase64Url(upload.signedPreKey!.publicKey).length).toBe(32);
    expect(fromBase64Url(upload.pqLastResortPreKey!.publicKey).length).toBe(1184);
    expect(upload.oneTimePreKeys!.map((key) => Object.keys(key).sort())).toEqual(Array(3).fill(['keyId', 'publicKey']));
    const ids = [...signed, ...upload.oneTimePreKeys!].map((key) => key.keyId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.min(...ids)).toBe(10);
    expect((await store.listPrekeys('one-time')).length).toBe(3);
    expect((await store.listPrekeys('kem-one-time')).length).toBe(2);
    const oneTime = upload.oneTimePreKeys![0]!;
    expect(toBase64Url((await store.getPrekey('one-time', oneTime.keyId))!.publicKey)).toBe(oneTime.publicKey);
  });

  it('makes 100 one-time keys of each kind by default', async () => {
    const upload = await new PrekeyGenerator(generateIdentityKeyPair(), new MemoryPrekeyStore()).generate();
    expect(upload.oneTimePreKeys).toHaveLength(100);
    expect(upload.pqOneTimePreKeys).toHaveLength(100);
  });

  it('generates only what is asked for', async () => {
    const generator = new PrekeyGenerator(generateIdentityKeyPair(), new MemoryPrekeyStore());
    const upload = await generator.generate({ signedPrekey: false, lastResortPrekey: false, pqLastResortPrekey: false, oneTimePrekeys: 0, pqOneTimePrekeys: 0 });
    expect(Object.keys(upload)).toEqual(['identityKey']);
  });

  it('tops one-time keys up to the target from the Directory counts', async () => {
    const generator = new PrekeyGenerator(generateIdentityKeyPair(), new MemoryPrekeyStore());
    expect(await generator.replenish({ oneTimePreKeys: 10, pqOneTimePreKeys: 12 }, 10)).toBeUndefined();
    const upload = (await generator.replenish({ oneTimePreKeys: 7, pqOneTimePreKeys: 10 }, 10))!;
    expect(upload.oneTimePreKeys).toHaveLength(3);
    expect(upload.pqOneTimePreKeys).toBeUndefined();
    expect(upload.signedPreKey).toBeUndefined();
  });

  it('wraps key ids within 31 bits', async () => {
    const store = new MemoryPrekeyStore(100, 2 ** 31 - 2);
    const upload = await new PrekeyGenerator(generateIdentityKeyPair(), store).generate({
      signedPrekey: false,
      lastResortPrekey: false,
      pqLastResortPrekey: false,
      oneTimePrekeys: 4,
      pqOneTimePrekeys: 0,
    });
    expect(upload.oneTimePreKeys!.map((key) => key.keyId)).toEqual([2 ** 31 - 2, 2 ** 31 - 1, 0, 1]);
  });

  it('prunes all but the newest signed and last-resort keys of each kind', async () => {
    let clock = 1000;
    const store = new MemoryPrekeyStore();
    const generator = new PrekeyGenerator(generateIdentityKeyPair(), store, () => clock);
    const uploads = [];
    for (let i = 0; i < 3; i++) {
      uploads.push(await generator.generate({ oneTimePrekeys: 0, pqOneTimePrekeys: 0 }));
      clock += 1000;
    }
    expect(await generator.pruneSignedPrekeys(1)).toBe(6);
    expect((await store.listPrekeys('signed')).map((record) => record.keyId)).toEqual([uploads[2]!.signedPreKey!.keyId]);
    expect((await store.listPrekeys('kem-last-resort')).map((record) => record.keyId)).toEqual([uploads[2]!.pqLastResortPreKey!.keyId]);
    expect(await generator.pruneSignedPrekeys()).toBe(0);
  });
});

describe('MemoryPrekeyStore', () => {
  it('forgets the oldest base keys beyond its cap and survives JSON', async () => {
    const store = new MemoryPrekeyStore(2);
    for (const key of ['k1', 'k2', 'k3']) await store.addBaseKey(key);
    expect([await store.hasBaseKey('k1'), await store.hasBaseKey('k2'), await store.hasBaseKey('k3')]).toEqual([false, true, true]);
    const pair = generateX25519KeyPair();
    await store.putPrekey({ kind: 'signed', keyId: 4, ...pair, createdAt: 5 });
    const restored = MemoryPrekeyStore.fromJSON(roundTrip(store.toJSON()), 2);
    expect(await restored.hasBaseKey('k3')).toBe(true);
    expect((await restored.getPrekey('signed', 4))?.secretKey).toEqual(pair.secretKey);
    expect(await restored.allocateKeyIds(1)).toBe(await store.allocateKeyIds(1));
  });

  it('refuses stored keys that are not base64url', () => {
    expect(() => MemoryPrekeyStore.fromJSON({ nextKeyId: 0, baseKeys: [], prekeys: [{ kind: 'signed', keyId: 1, publicKey: '*', secretKey: '', createdAt: 0 }] })).toThrow(
      /not base64url/,
    );
  });
});
