import { randomBytes, randomUUID } from 'node:crypto';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleSignatureError, DirectoryClient, HttpClient, SanctumApiError, verifyDeviceBundle } from '../../src/index.js';
import type { KeyUpload } from '../../src/index.js';
import { fromBase64Url } from '../../src/encoding/base64url.js';
import { TestIdentity } from '../../../../services/directory/test/helpers/device-keys.js';
import { startDirectory } from '../../../../services/directory/test/helpers/directory-harness.js';
import type { DirectoryHarness, TestDevice } from '../../../../services/directory/test/helpers/directory-harness.js';

function signed(identity: TestIdentity, keyId: number, bytes = 32) {
  const key = identity.signedKey(keyId, bytes);
  return { keyId, publicKey: fromBase64Url(key.publicKey), signature: fromBase64Url(key.signature) };
}

function fullUpload(device: TestDevice, oneTime: number): KeyUpload {
  return {
    identityKey: device.identity.publicKey,
    signedPreKey: signed(device.identity, 1),
    lastResortPreKey: signed(device.identity, 2),
    oneTimePreKeys: Array.from({ length: oneTime }, (_, i) => ({ keyId: 10 + i, publicKey: randomBytes(32) })),
    pqLastResortPreKey: signed(device.identity, 3, 1568),
    pqOneTimePreKeys: [signed(device.identity, 4, 1568)],
  };
}

describe('DirectoryClient against a running Directory', () => {
  let h: DirectoryHarness;
  let http: HttpClient;
  let alice: TestDevice;
  let bob: TestDevice;
  let aliceClient: DirectoryClient;
  let bobClient: DirectoryClient;

  beforeAll(async () => {
    h = await startDirectory(testEngines()[0]!);
    http = new HttpClient(await h.app.listen({ host: '127.0.0.1', port: 0 }));
    alice = await h.newDevice();
    bob = await h.newDevice();
    aliceClient = new DirectoryClient(http, alice.token);
    bobClient = new DirectoryClient(http, async () => bob.token);
  });
  afterAll(() => h.close());

  it('claims, changes, looks up and releases handles', async () => {
    expect(await aliceClient.myHandle()).toBeNull();
    expect(await aliceClient.claimHandle('Alice')).toEqual({ handle: 'alice', accountId: alice.accountId });
    expect(await bobClient.lookupHandle('ALICE')).toEqual({ handle: 'alice', accountId: alice.accountId });
    await aliceClient.changeHandle('alice.two');
    expect(await bobClient.lookupHandle('alice')).toBeNull();
    expect((await aliceClient.myHandle())?.handle).toBe('alice.two');
    await expect(bobClient.claimHandle('alice.two')).rejects.toMatchObject({ status: 409, code: 'DIR_HANDLE_TAKEN' });
    await aliceClient.releaseHandle();
    expect(await bobClient.lookupHandle('alice.two')).toBeNull();
  });

  it('puts and gets profiles with binary blobs', async () => {
    expect(await bobClient.getProfile(alice.accountId)).toBeNull();
    const blob = randomBytes(100);
    const put = await aliceClient.putProfile({ displayName: 'Alice', blob });
    expect(put.blob).toEqual(new Uint8Array(blob));
    const got = await bobClient.getProfile(alice.accountId);
    expect(got).toMatchObject({ accountId: alice.accountId, displayName: 'Alice' });
    expect(got?.blob).toEqual(new Uint8Array(blob));
    expect((await aliceClient.putProfile({ displayName: 'A' })).blob).toBeNull();
  });

  it('uploads keys, counts them and fetches verified bundles until the last resort', async () => {
    expect(await aliceClient.uploadKeys(fullUpload(alice, 1))).toEqual({
      oneTimePreKeys: 1,
      pqOneTimePreKeys: 1,
      hasSignedPreKey: true,
      hasLastResortPreKey: true,
      hasPqLastResortPreKey: true,
    });
    const first = await bobClient.fetchBundles(alice.accountId);
    expect(first.devices[0]).toMatchObject({ deviceId: alice.deviceId, preKey: { keyId: 10, lastResort: false }, pqPreKey: { keyId: 4, lastResort: false } });
    expect(first.devices[0]!.identityKey).toEqual(new Uint8Array(alice.identity.publicKey));
    const second = await bobClient.fetchDeviceBundle(alice.accountId, alice.deviceId);
    expect(second).toMatchObject({ preKey: { keyId: 2, lastResort: true }, pqPreKey: { keyId: 3, lastResort: true } });
    expect((await aliceClient.keyCounts()).oneTimePreKeys).toBe(0);
    expect((await bobClient.listDevices(alice.accountId)).map((d) => d.deviceId)).toEqual([alice.deviceId]);
    await expect(bobClient.fetchDeviceBundle(alice.accountId, 'nope')).rejects.toMatchObject({ code: 'DIR_DEVICE_NOT_FOUND' });
  });

  it('refuses bundles whose signatures do not match the identity key', async () => {
    const bundle = await bobClient.fetchDeviceBundle(alice.accountId, alice.deviceId);
    expect(() => {
      verifyDeviceBundle(bundle);
    }).not.toThrow();
    const other = TestIdentity.generate().publicKey;
    expect(() => {
      verifyDeviceBundle({ ...bundle, identityKey: other });
    }).toThrow(BundleSignatureError);
    const forgedLastResort = { ...bundle, preKey: { ...bundle.preKey, publicKey: randomBytes(32) } };
    expect(() => {
      verifyDeviceBundle(forgedLastResort);
    }).toThrow(/preKey/);
    const { signature: _dropped, ...unsignedPq } = bundle.pqPreKey!;
    expect(() => {
      verifyDeviceBundle({ ...bundle, pqPreKey: unsignedPq });
    }).toThrow(/pqPreKey/);
  });

  it('retries an upload while the Directory has not heard of the device yet', async () => {
    const identity = TestIdentity.generate();
    const deviceId = randomUUID();
    const token = await h.issuer.issue({ accountId: alice.accountId, deviceId });
    // Announce the device only once the Directory has refused it, so the retry path is certain to run.
    let refusals = 0;
    const watching = new HttpClient(http.baseUrl, async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 409 && refusals++ === 0) h.feed.addDevice(alice.accountId, deviceId, identity.publicKeyText);
      return response;
    });
    const client = new DirectoryClient(watching, token, { unknownDeviceRetries: 8, unknownDeviceDelayMs: 20 });
    const device = { accountId: alice.accountId, deviceId, token, identity };
    expect((await client.uploadKeys(fullUpload(device, 2))).oneTimePreKeys).toBe(2);
    expect(refusals).toBeGreaterThanOrEqual(1);

    const impatient = new DirectoryClient(http, await h.issuer.issue({ accountId: alice.accountId, deviceId: randomUUID() }), { unknownDeviceRetries: 0 });
    const error: unknown = await impatient.uploadKeys(fullUpload(device, 0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SanctumApiError);
    expect((error as SanctumApiError).code).toBe('DIR_DEVICE_UNKNOWN');
  });

  it('sends partial uploads and passes other errors through untouched', async () => {
    const counts = await aliceClient.uploadKeys({ identityKey: alice.identity.publicKey, oneTimePreKeys: [{ keyId: 500, publicKey: randomBytes(32) }] });
    expect(counts.oneTimePreKeys).toBe(1);
    const forged = { identityKey: alice.identity.publicKey, signedPreKey: { ...signed(alice.identity, 9), signature: new Uint8Array(64) } };
    await expect(aliceClient.uploadKeys(forged)).rejects.toMatchObject({ status: 400, code: 'DIR_BAD_SIGNATURE' });
    const anonymous = new DirectoryClient(http, 'not-a-jwt');
    await expect(anonymous.lookupHandle('alice')).rejects.toMatchObject({ status: 401, code: 'AUTH_TOKEN_INVALID' });
    await expect(anonymous.getProfile(alice.accountId)).rejects.toMatchObject({ status: 401 });
    const bundle = await bobClient.fetchDeviceBundle(alice.accountId, alice.deviceId);
    expect(() => {
      verifyDeviceBundle({ ...bundle, identityKey: new Uint8Array(31) });
    }).toThrow(BundleSignatureError);
  });
});
