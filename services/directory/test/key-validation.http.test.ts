import { randomBytes, randomUUID } from 'node:crypto';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ML_KEM_768_BYTES, TestIdentity, oneTimeKeys } from './helpers/device-keys.js';
import { startDirectory } from './helpers/directory-harness.js';
import type { DirectoryHarness, TestDevice } from './helpers/directory-harness.js';

describe.each(testEngines())('key uploads refused with clear codes on $name', (engine) => {
  let h: DirectoryHarness;
  let alice: TestDevice;
  const base = () => ({
    identityKey: alice.identity.publicKeyText,
    signedPreKey: alice.identity.signedKey(1),
    lastResortPreKey: alice.identity.signedKey(2),
  });
  const upload = (body: unknown, token = alice.token) => h.call('PUT', '/v1/keys', token, body);
  const expectError = async (body: unknown, status: number, code: string) => {
    const response = await upload(body);
    expect(response.statusCode, JSON.stringify(response.json())).toBe(status);
    expect(response.json().error.code).toBe(code);
    return response.json().error as { details?: Record<string, unknown> };
  };

  beforeEach(async () => {
    h = await startDirectory(engine, { PREKEY_BATCH_MAX: '5', PREKEY_MAX_PER_DEVICE: '8' });
    alice = await h.newDevice();
  });
  afterEach(() => h.close());

  it('checks the identity key against the one Auth announced', async () => {
    await expectError({ ...base(), identityKey: TestIdentity.generate().publicKeyText }, 409, 'DIR_IDENTITY_KEY_MISMATCH');
    const short = await expectError({ ...base(), identityKey: randomBytes(31).toString('base64url') }, 400, 'DIR_INVALID_KEY');
    expect(short.details).toEqual({ field: 'identityKey' });
    await expectError({ ...base(), identityKey: 'not base64url!' }, 400, 'DIR_INVALID_KEY');
  });

  it('refuses a device the Directory does not know, or one of another account', async () => {
    const stranger = await h.issuer.issue({ accountId: alice.accountId, deviceId: randomUUID() });
    expect((await upload(base(), stranger)).json().error.code).toBe('DIR_DEVICE_UNKNOWN');
    expect((await h.call('GET', '/v1/keys/counts', stranger)).json().error.code).toBe('DIR_DEVICE_UNKNOWN');
    const impostor = await h.issuer.issue({ accountId: randomUUID(), deviceId: alice.deviceId });
    expect((await upload(base(), impostor)).statusCode).toBe(409);
  });

  it('requires a signed prekey and a last-resort key on the first upload', async () => {
    const error = await expectError({ identityKey: alice.identity.publicKeyText, oneTimePreKeys: oneTimeKeys(1, 1) }, 400, 'DIR_KEYS_INCOMPLETE');
    expect(error.details).toEqual({ missing: ['signedPreKey', 'lastResortPreKey'] });
    // Nothing of the refused upload was kept.
    expect((await h.call('GET', '/v1/keys/counts', alice.token)).json().oneTimePreKeys).toBe(0);
  });

  it('verifies every signature and every key length', async () => {
    const swapped = base();
    swapped.lastResortPreKey.signature = swapped.signedPreKey.signature;
    expect((await expectError(swapped, 400, 'DIR_BAD_SIGNATURE')).details).toEqual({ field: 'lastResortPreKey' });
    const pq = { ...base(), pqOneTimePreKeys: [alice.identity.signedKey(1, ML_KEM_768_BYTES), { ...alice.identity.signedKey(2, ML_KEM_768_BYTES), signature: alice.identity.sign(Buffer.from('x')) }] };
    expect((await expectError(pq, 400, 'DIR_BAD_SIGNATURE')).details).toEqual({ field: 'pqOneTimePreKeys[1]' });
    const pqLast = { ...base(), pqLastResortPreKey: { ...alice.identity.signedKey(3, ML_KEM_768_BYTES), signature: randomBytes(64).toString('base64url') } };
    await expectError(pqLast, 400, 'DIR_BAD_SIGNATURE');
    await expectError({ ...base(), pqLastResortPreKey: alice.identity.signedKey(3, 1000) }, 400, 'DIR_INVALID_KEY');
    await expectError({ ...base(), signedPreKey: alice.identity.signedKey(1, 33) }, 400, 'DIR_INVALID_KEY');
    await expectError({ ...base(), oneTimePreKeys: [{ keyId: 1, publicKey: randomBytes(16).toString('base64url') }] }, 400, 'DIR_INVALID_KEY');
    await expectError({ ...base(), signedPreKey: { ...alice.identity.signedKey(1), signature: 'AAAA' } }, 400, 'DIR_INVALID_KEY');
  });

  it('bounds batches and totals, and refuses reused key ids', async () => {
    expect((await expectError({ ...base(), oneTimePreKeys: oneTimeKeys(1, 6) }, 400, 'DIR_PREKEY_BATCH_TOO_LARGE')).details).toEqual({
      field: 'oneTimePreKeys',
      max: 5,
    });
    const repeated = [...oneTimeKeys(1, 2), ...oneTimeKeys(1, 1)];
    expect((await expectError({ ...base(), oneTimePreKeys: repeated }, 409, 'DIR_PREKEY_ID_CONFLICT')).details).toEqual({
      field: 'oneTimePreKeys',
      keyIds: [1],
    });
    expect((await upload({ ...base(), oneTimePreKeys: oneTimeKeys(1, 5) })).json().oneTimePreKeys).toBe(5);
    const clash = await expectError({ identityKey: alice.identity.publicKeyText, oneTimePreKeys: oneTimeKeys(4, 3) }, 409, 'DIR_PREKEY_ID_CONFLICT');
    expect(clash.details).toEqual({ field: 'oneTimePreKeys', keyIds: [4, 5] });
    const full = await expectError({ identityKey: alice.identity.publicKeyText, oneTimePreKeys: oneTimeKeys(10, 4) }, 409, 'DIR_PREKEY_LIMIT_REACHED');
    expect(full.details).toEqual({ field: 'oneTimePreKeys', stored: 5, max: 8 });
    expect((await upload({ identityKey: alice.identity.publicKeyText, oneTimePreKeys: oneTimeKeys(10, 3) })).json().oneTimePreKeys).toBe(8);
    // Post-quantum keys have their own budget.
    const pq = Array.from({ length: 5 }, (_, i) => alice.identity.signedKey(i, ML_KEM_768_BYTES));
    expect((await upload({ identityKey: alice.identity.publicKeyText, pqOneTimePreKeys: pq })).json()).toMatchObject({ oneTimePreKeys: 8, pqOneTimePreKeys: 5 });
  });

  it('replaces the signed prekey on a later upload', async () => {
    await upload(base());
    const replacement = alice.identity.signedKey(9);
    expect((await upload({ identityKey: alice.identity.publicKeyText, signedPreKey: replacement })).statusCode).toBe(200);
    const bob = await h.newDevice();
    const bundle = await h.call('POST', `/v1/accounts/${alice.accountId}/bundle`, bob.token, {});
    expect(bundle.json().devices[0].signedPreKey).toEqual(replacement);
  });

  it('rejects unknown fields and malformed bodies through the schema', async () => {
    await expectError({ ...base(), extra: 1 }, 400, 'REQ_VALIDATION_FAILED');
    await expectError({ ...base(), oneTimePreKeys: [{ keyId: -1, publicKey: 'x' }] }, 400, 'REQ_VALIDATION_FAILED');
    await expectError({ signedPreKey: base().signedPreKey }, 400, 'REQ_VALIDATION_FAILED');
  });

  it('answers bundles of devices without keys with clear codes', async () => {
    const bob = await h.newDevice();
    const fetch = (accountId: string, body: unknown) => h.call('POST', `/v1/accounts/${accountId}/bundle`, bob.token, body);
    expect((await fetch(alice.accountId, {})).json().error.code).toBe('DIR_KEYS_NOT_FOUND');
    expect((await fetch(alice.accountId, { deviceId: alice.deviceId })).json().error.code).toBe('DIR_KEYS_NOT_FOUND');
    expect((await fetch(alice.accountId, { deviceId: 'nope' })).json().error.code).toBe('DIR_DEVICE_NOT_FOUND');
    expect((await fetch(randomUUID(), {})).json().error.code).toBe('DIR_ACCOUNT_NOT_FOUND');
    const tablet = await h.newDevice(alice.accountId);
    await upload({ identityKey: tablet.identity.publicKeyText, signedPreKey: tablet.identity.signedKey(1), lastResortPreKey: tablet.identity.signedKey(2) }, tablet.token);
    const partial = await fetch(alice.accountId, {});
    expect(partial.statusCode).toBe(200);
    expect(partial.json<{ devices: { deviceId: string }[] }>().devices.map((d) => d.deviceId)).toEqual([tablet.deviceId]);
    expect(partial.json().devicesWithoutKeys).toEqual([alice.deviceId]);
    // A bodiless POST fetches the whole account too.
    const bodiless = await h.app.inject({ method: 'POST', url: `/v1/accounts/${alice.accountId}/bundle`, headers: { authorization: `Bearer ${bob.token}` } });
    expect(bodiless.statusCode).toBe(200);
  });
});
