// Session records: JSON round trip of every field and refusal of bad JSON.
import { describe, expect, it } from 'vitest';
import { E2eeError, MemoryIdentityStore, generateIdentityKeyPair } from '@sanctum/client';
import type { SessionRecordJson } from '@sanctum/client';
import { MAX_PREVIOUS_SESSIONS, sessionRecordFromJson, sessionRecordToJson, withCurrent } from '../../src/crypto/session.record.js';
import type { SessionState } from '../../src/crypto/session.record.js';
import { makeDevice, roundTrip, takeBundle } from './devices.fixture.js';

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof E2eeError ? error.code : String(error);
  }
  return undefined;
}

async function storedRecord(options: { pq?: boolean } = {}): Promise<SessionRecordJson> {
  const alice = await makeDevice('alice', 'a1');
  const bob = await makeDevice('bob', 'b1');
  await alice.manager.startSession(bob.address, takeBundle(bob, options));
  return (await alice.sessionStore.loadSession(bob.address))!;
}

describe('session record JSON', () => {
  it('round-trips a record with pending X3DH fields (one-time key and KEM share)', async () => {
    const json = await storedRecord();
    expect(json.current.pendingPrekey?.kem?.ciphertext).toBeDefined();
    expect(json.current.pendingPrekey?.oneTimePrekey).toBeDefined();
    expect(sessionRecordToJson(sessionRecordFromJson(json))).toEqual(json);
    const classic = await storedRecord({ pq: false });
    expect(classic.current.pendingPrekey?.kem).toBeUndefined();
    expect(sessionRecordToJson(sessionRecordFromJson(classic))).toEqual(classic);
  });

  it('refuses unreadable records', async () => {
    const json = await storedRecord();
    const pending = json.current.pendingPrekey!;
    const broken: unknown[] = [
      null,
      { ...json, previous: undefined },
      { ...json, current: null },
      { ...json, current: { ...json.current, role: 'observer' } },
      { ...json, current: { ...json.current, pendingPrekey: 'x' } },
      { ...json, current: { ...json.current, pendingPrekey: { ...pending, baseKey: 'AAAA' } } },
      { ...json, current: { ...json.current, pendingPrekey: { ...pending, oneTimePrekey: { keyId: 1 } } } },
      { ...json, current: { ...json.current, pendingPrekey: { ...pending, kem: { ...pending.kem, ciphertext: 'AAAA' } } } },
    ];
    for (const value of broken) expect(code(() => sessionRecordFromJson(value))).toBe('E2EE_INVALID_STATE');
  });

  it('keeps at most MAX_PREVIOUS_SESSIONS earlier sessions, newest first', async () => {
    const state = sessionRecordFromJson(await storedRecord()).current;
    let record = withCurrent(undefined, state);
    const states: SessionState[] = [state];
    for (let i = 0; i < MAX_PREVIOUS_SESSIONS + 2; i++) {
      const next = { ...state };
      states.push(next);
      record = withCurrent(record, next);
    }
    expect(record.previous).toHaveLength(MAX_PREVIOUS_SESSIONS);
    expect(record.previous[0]).toBe(states[states.length - 2]);
  });
});

describe('MemoryIdentityStore', () => {
  it('survives JSON and refuses corrupt keys', async () => {
    const store = new MemoryIdentityStore(generateIdentityKeyPair());
    const peer = generateIdentityKeyPair().publicKey;
    await store.saveRemoteIdentity({ accountId: 'a"b', deviceId: 'd/1' }, peer);
    const restored = MemoryIdentityStore.fromJSON(roundTrip(store.toJSON()));
    expect(await restored.getRemoteIdentity({ accountId: 'a"b', deviceId: 'd/1' })).toEqual(peer);
    expect((await restored.getIdentityKeyPair()).publicKey).toEqual((await store.getIdentityKeyPair()).publicKey);
    expect(code(() => MemoryIdentityStore.fromJSON({ identityKeyPair: { publicKey: '=', secretKey: '' }, remote: {} }))).toBe('E2EE_INVALID_STATE');
  });
});
