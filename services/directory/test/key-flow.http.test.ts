import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ML_KEM_768_BYTES, oneTimeKeys } from './helpers/device-keys.js';
import { eventually, startDirectory } from './helpers/directory-harness.js';
import type { DirectoryHarness, TestDevice } from './helpers/directory-harness.js';

interface BundleKeyBody {
  keyId: number;
  publicKey: string;
  signature?: string;
  lastResort: boolean;
}
interface BundleBody {
  accountId: string;
  devices: { deviceId: string; identityKey: string; signedPreKey: { keyId: number }; preKey: BundleKeyBody; pqPreKey: BundleKeyBody | null }[];
  devicesWithoutKeys: string[];
}

function firstUpload(device: TestDevice, oneTimeCount: number) {
  return {
    identityKey: device.identity.publicKeyText,
    signedPreKey: device.identity.signedKey(1),
    lastResortPreKey: device.identity.signedKey(2),
    oneTimePreKeys: oneTimeKeys(100, oneTimeCount),
  };
}

describe.each(testEngines())('Directory key flow over HTTP on $name', (engine) => {
  let h: DirectoryHarness;
  beforeEach(async () => {
    h = await startDirectory(engine);
  });
  afterEach(() => h.close());

  it('claim → lookup → upload (bad signature refused) → bundles consume one-time keys → last resort', async () => {
    const alice = await h.newDevice();
    const bob = await h.newDevice();

    const claimed = await h.call('PUT', '/v1/handle', alice.token, { handle: 'Alice.Example' });
    expect(claimed.statusCode).toBe(200);
    expect(claimed.json()).toEqual({ handle: 'alice.example', accountId: alice.accountId });
    const found = await h.call('GET', '/v1/handles/ALICE.example', bob.token);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ handle: 'alice.example', accountId: alice.accountId });

    const forged = firstUpload(alice, 2);
    forged.signedPreKey.signature = bob.identity.sign(Buffer.from(forged.signedPreKey.publicKey, 'base64url'));
    const refused = await h.call('PUT', '/v1/keys', alice.token, forged);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'DIR_BAD_SIGNATURE', details: { field: 'signedPreKey' } });
    expect((await h.call('GET', '/v1/keys/counts', alice.token)).json()).toMatchObject({ oneTimePreKeys: 0, hasSignedPreKey: false });

    const uploaded = await h.call('PUT', '/v1/keys', alice.token, firstUpload(alice, 2));
    expect(uploaded.statusCode).toBe(200);
    expect(uploaded.json()).toEqual({
      oneTimePreKeys: 2,
      pqOneTimePreKeys: 0,
      hasSignedPreKey: true,
      hasLastResortPreKey: true,
      hasPqLastResortPreKey: false,
    });

    const fetch = async () => {
      const response = await h.call('POST', `/v1/accounts/${found.json().accountId}/bundle`, bob.token, {});
      expect(response.statusCode).toBe(200);
      return response.json<BundleBody>();
    };
    const first = await fetch();
    expect(first.devices).toHaveLength(1);
    expect(first.devices[0]).toMatchObject({ deviceId: alice.deviceId, identityKey: alice.identity.publicKeyText, signedPreKey: { keyId: 1 } });
    expect(first.devices[0]!.preKey).toMatchObject({ keyId: 100, lastResort: false });
    expect(first.devices[0]!.pqPreKey).toBeNull();
    const second = await fetch();
    expect(second.devices[0]!.preKey).toMatchObject({ keyId: 101, lastResort: false });
    const third = await fetch();
    expect(third.devices[0]!.preKey).toMatchObject({ keyId: 2, lastResort: true });
    expect(third.devices[0]!.preKey.signature).toBeDefined();
    const fourth = await fetch();
    expect(fourth.devices[0]!.preKey).toMatchObject({ keyId: 2, lastResort: true });
    expect((await h.call('GET', '/v1/keys/counts', alice.token)).json()).toMatchObject({ oneTimePreKeys: 0 });

    // The SDK refills: new one-time keys are handed out again.
    expect((await h.call('PUT', '/v1/keys', alice.token, { identityKey: alice.identity.publicKeyText, oneTimePreKeys: oneTimeKeys(200, 1) })).statusCode).toBe(200);
    expect((await fetch()).devices[0]!.preKey).toMatchObject({ keyId: 200, lastResort: false });
  });

  it('hands out post-quantum one-time keys, then the post-quantum last-resort key', async () => {
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    const upload = {
      ...firstUpload(alice, 0),
      pqLastResortPreKey: alice.identity.signedKey(7, ML_KEM_768_BYTES),
      pqOneTimePreKeys: [alice.identity.signedKey(8, ML_KEM_768_BYTES)],
    };
    const uploaded = await h.call('PUT', '/v1/keys', alice.token, upload);
    expect(uploaded.json()).toMatchObject({ oneTimePreKeys: 0, pqOneTimePreKeys: 1, hasPqLastResortPreKey: true });

    const one = (await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, { deviceId: alice.deviceId })).json<BundleBody>();
    expect(one.devices[0]!.preKey).toMatchObject({ keyId: 2, lastResort: true });
    expect(one.devices[0]!.pqPreKey).toMatchObject({ keyId: 8, lastResort: false, signature: upload.pqOneTimePreKeys[0]!.signature });
    const two = (await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, { deviceId: alice.deviceId })).json<BundleBody>();
    expect(two.devices[0]!.pqPreKey).toMatchObject({ keyId: 7, lastResort: true });
  });

  it('never hands the same one-time key to two concurrent fetches', async () => {
    const alice = await h.newDevice();
    const keys = 40;
    const fetchers = await Promise.all(Array.from({ length: 4 }, () => h.newDevice()));
    expect((await h.call('PUT', '/v1/keys', alice.token, firstUpload(alice, keys))).statusCode).toBe(200);

    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, fetchers[i % fetchers.length]!.token, {})),
    );
    const handedOut = responses.map((r) => {
      expect(r.statusCode).toBe(200);
      return r.json<BundleBody>().devices[0]!.preKey;
    });
    const oneTime = handedOut.filter((k) => !k.lastResort).map((k) => k.keyId);
    expect(new Set(oneTime).size).toBe(oneTime.length);
    expect(oneTime.sort((a, b) => a - b)).toEqual(Array.from({ length: keys }, (_, i) => 100 + i));
    expect(handedOut.filter((k) => k.lastResort)).toHaveLength(60 - keys);
  });

  it('drops a removed device’s keys from bundles and its entry from the device list', async () => {
    const alice = await h.newDevice();
    const laptop = await h.newDevice(alice.accountId);
    const bob = await h.newDevice();
    for (const device of [alice, laptop]) expect((await h.call('PUT', '/v1/keys', device.token, firstUpload(device, 3))).statusCode).toBe(200);

    const both = (await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, {})).json<BundleBody>();
    expect(both.devices.map((d) => d.deviceId).sort()).toEqual([alice.deviceId, laptop.deviceId].sort());

    h.feed.removeDevice(alice.accountId, laptop.deviceId);
    await eventually(async () => {
      const list = (await h.call('GET', `/v1/accounts/${alice.accountId}/devices`, bob.token)).json<{ devices: unknown[] }>();
      return list.devices.length === 1;
    }, 'the removal to be applied');
    const after = (await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, {})).json<BundleBody>();
    expect(after.devices.map((d) => d.deviceId)).toEqual([alice.deviceId]);
    const gone = await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, { deviceId: laptop.deviceId });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('DIR_DEVICE_NOT_FOUND');
    // Its token is revoked with it.
    const revoked = await h.call('GET', '/v1/keys/counts', laptop.token);
    expect(revoked.json().error.code).toBe('AUTH_TOKEN_REVOKED');
    const rows = await h.database.db.selectFrom('one_time_prekeys').select('key_id').where('device_id', '=', laptop.deviceId).execute();
    expect(rows).toEqual([]);
  });

  it('erases handle, profile, keys and devices of a deleted account', async () => {
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' });
    await h.call('PUT', '/v1/profile', alice.token, { displayName: 'Alice', blob: 'AAEC' });
    await h.call('PUT', '/v1/keys', alice.token, firstUpload(alice, 3));

    h.feed.deleteAccount(alice.accountId);
    await eventually(async () => (await h.call('GET', `/v1/accounts/${alice.accountId}/devices`, bob.token)).statusCode === 404, 'the deletion');
    expect((await h.call('GET', '/v1/handles/alice', bob.token)).json().error.code).toBe('DIR_HANDLE_NOT_FOUND');
    expect((await h.call('GET', `/v1/accounts/${alice.accountId}/profile`, bob.token)).json().error.code).toBe('DIR_PROFILE_NOT_FOUND');
    expect((await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, {})).json().error.code).toBe('DIR_ACCOUNT_NOT_FOUND');
    for (const table of ['signed_prekeys', 'one_time_prekeys'] as const) {
      expect(await h.database.db.selectFrom(table).select('device_id').where('device_id', '=', alice.deviceId).execute()).toEqual([]);
    }
    // Someone else may claim the handle now.
    expect((await h.call('PUT', '/v1/handle', bob.token, { handle: 'alice' })).statusCode).toBe(200);
  });
});
