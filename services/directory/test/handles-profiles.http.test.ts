import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDirectory } from './helpers/directory-harness.js';
import type { DirectoryHarness } from './helpers/directory-harness.js';

describe.each(testEngines())('handles and profiles over HTTP on $name', (engine) => {
  let h: DirectoryHarness;
  beforeEach(async () => {
    h = await startDirectory(engine, { PROFILE_BLOB_MAX_BYTES: '16', DISPLAY_NAME_MAX_LENGTH: '8' });
  });
  afterEach(() => h.close());

  it('normalises with NFKC and case folding, and refuses what the rules forbid', async () => {
    const alice = await h.newDevice();
    const claimed = await h.call('PUT', '/v1/handle', alice.token, { handle: 'ＡＬＩＣＥ_1' });
    expect(claimed.json()).toEqual({ handle: 'alice_1', accountId: alice.accountId });
    expect((await h.call('GET', '/v1/handles/Alice_1', alice.token)).json().accountId).toBe(alice.accountId);

    const cases: [string, string, string | undefined][] = [
      ['ab', 'DIR_HANDLE_INVALID', 'length'],
      ['a'.repeat(33), 'DIR_HANDLE_INVALID', 'length'],
      ['al ice', 'DIR_HANDLE_INVALID', 'alphabet'],
      ['аlice', 'DIR_HANDLE_INVALID', 'alphabet'], // Cyrillic а
      ['.alice', 'DIR_HANDLE_INVALID', 'dots'],
      ['alice.', 'DIR_HANDLE_INVALID', 'dots'],
      ['al..ice', 'DIR_HANDLE_INVALID', 'dots'],
      ['Admin', 'DIR_HANDLE_RESERVED', undefined],
      ['sup.port_', 'DIR_HANDLE_RESERVED', undefined],
      ['sanctum_news', 'DIR_HANDLE_RESERVED', undefined],
    ];
    for (const [handle, code, reason] of cases) {
      const response = await h.call('PUT', '/v1/handle', alice.token, { handle });
      expect(response.statusCode, handle).toBe(400);
      expect(response.json().error.code, handle).toBe(code);
      if (reason !== undefined) expect(response.json().error.details.reason, handle).toBe(reason);
    }
    // Refused claims leave the current handle alone.
    expect((await h.call('GET', '/v1/handle', alice.token)).json().handle).toBe('alice_1');
  });

  it('keeps handles unique, lets an account change and release its own', async () => {
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    expect((await h.call('GET', '/v1/handle', alice.token)).json().error.code).toBe('DIR_HANDLE_NOT_FOUND');
    await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' });
    const taken = await h.call('PUT', '/v1/handle', bob.token, { handle: 'ALICE' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('DIR_HANDLE_TAKEN');
    // Claiming the handle you already have is a no-op.
    expect((await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice' })).statusCode).toBe(200);

    expect((await h.call('PUT', '/v1/handle', alice.token, { handle: 'alice2' })).json().handle).toBe('alice2');
    expect((await h.call('GET', '/v1/handles/alice', bob.token)).json().error.code).toBe('DIR_HANDLE_NOT_FOUND');
    expect((await h.call('PUT', '/v1/handle', bob.token, { handle: 'alice' })).statusCode).toBe(200);

    expect((await h.call('DELETE', '/v1/handle', alice.token)).statusCode).toBe(204);
    expect((await h.call('DELETE', '/v1/handle', alice.token)).statusCode).toBe(204);
    const lookup = await h.call('GET', '/v1/handles/alice2', bob.token);
    expect(lookup.statusCode).toBe(404);
    expect(lookup.json().error.code).toBe('DIR_HANDLE_NOT_FOUND');
  });

  it('stores a display name and an opaque blob within their limits', async () => {
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    expect((await h.call('GET', `/v1/accounts/${alice.accountId}/profile`, bob.token)).json().error.code).toBe('DIR_PROFILE_NOT_FOUND');

    const blob = Buffer.alloc(16, 7).toString('base64url');
    const put = await h.call('PUT', '/v1/profile', alice.token, { displayName: '  Alice 🦊 ', blob });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ accountId: alice.accountId, displayName: 'Alice 🦊', blob });
    expect((await h.call('GET', `/v1/accounts/${alice.accountId}/profile`, bob.token)).json()).toMatchObject({ displayName: 'Alice 🦊', blob });

    const tooLarge = await h.call('PUT', '/v1/profile', alice.token, { displayName: 'Alice', blob: Buffer.alloc(17).toString('base64url') });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error).toMatchObject({ code: 'DIR_PROFILE_TOO_LARGE', details: { maxBytes: 16 } });
    const notBase64 = await h.call('PUT', '/v1/profile', alice.token, { displayName: 'Alice', blob: 'a+b/' });
    expect(notBase64.json().error.code).toBe('DIR_PROFILE_BLOB_INVALID');
    for (const displayName of ['   ', 'Alice-in-wonderland', 'Al\u0007ice', 'Al\nice']) {
      const response = await h.call('PUT', '/v1/profile', alice.token, { displayName });
      expect(response.statusCode, displayName).toBe(400);
      expect(response.json().error.code, displayName).toBe('DIR_DISPLAY_NAME_INVALID');
    }
    const cleared = await h.call('PUT', '/v1/profile', alice.token, { displayName: 'A', blob: null });
    expect(cleared.json()).toMatchObject({ displayName: 'A', blob: null });
    expect((await h.call('PUT', '/v1/profile', alice.token, { displayName: 'B' })).json().blob).toBeNull();
  });
});

describe('rate limits', () => {
  const [sqlite] = testEngines();
  let h: DirectoryHarness;
  beforeEach(async () => {
    h = await startDirectory(sqlite!, { LOOKUP_RATE_LIMIT_MAX: '3', BUNDLE_RATE_LIMIT_MAX: '2' });
  });
  afterEach(() => h.close());

  it('limits handle lookups per requesting account', async () => {
    const alice = await h.newDevice();
    const bob = await h.newDevice();
    for (let i = 0; i < 3; i++) expect((await h.call('GET', `/v1/handles/nobody${i}`, alice.token)).statusCode).toBe(404);
    const limited = await h.call('GET', '/v1/handles/nobody', alice.token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('REQ_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Same IP, another account: its own budget.
    expect((await h.call('GET', '/v1/handles/nobody', bob.token)).statusCode).toBe(404);
  });

  it('limits bundle fetches per (requester, target)', async () => {
    const [alice, bob, carol] = [await h.newDevice(), await h.newDevice(), await h.newDevice()];
    for (let i = 0; i < 2; i++) expect((await h.call('POST', `/v1/accounts/${bob.accountId}/bundle`, alice.token, {})).statusCode).toBe(404);
    expect((await h.call('POST', `/v1/accounts/${bob.accountId}/bundle`, alice.token, {})).statusCode).toBe(429);
    expect((await h.call('POST', `/v1/accounts/${carol.accountId}/bundle`, alice.token, {})).statusCode).toBe(404);
    expect((await h.call('POST', `/v1/accounts/${bob.accountId}/bundle`, carol.token, {})).statusCode).toBe(404);
  });
});
