import { describe, expect, it } from 'vitest';
import { decodeChatPayload, encodeChatPayload } from '../../src/device/chat.payload.js';
import { parseDeviceState } from '../../src/device/device.state.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('chat payload', () => {
  it('round-trips a text message', () => {
    const payload = { v: 1, type: 'text', text: 'héllo 👋', fromHandle: 'alice', to: 'acc-1', sentAt: 1_700_000_000_000 } as const;
    expect(decodeChatPayload(encodeChatPayload(payload))).toEqual(payload);
  });

  it('refuses what this version does not understand, instead of showing garbage', () => {
    expect(decodeChatPayload(new Uint8Array([0xff, 0xfe]))).toBeUndefined(); // not UTF-8
    expect(decodeChatPayload(bytes('not json'))).toBeUndefined();
    expect(decodeChatPayload(bytes('null'))).toBeUndefined();
    expect(decodeChatPayload(bytes('{"v":2,"type":"text","text":"x","to":"a","sentAt":1}'))).toBeUndefined();
    expect(decodeChatPayload(bytes('{"v":1,"type":"image","text":"x","to":"a","sentAt":1}'))).toBeUndefined();
    expect(decodeChatPayload(bytes('{"v":1,"type":"text","text":"x","to":"a","sentAt":1,"fromHandle":7}'))).toBeUndefined();
  });
});

describe('device state', () => {
  it('refuses a document that is not a saved device', () => {
    expect(() => parseDeviceState(null)).toThrow(/Not a Sanctum device state/);
    expect(() => parseDeviceState({ version: 2 })).toThrow(/Not a Sanctum device state/);
    expect(() => parseDeviceState({ version: 1, accountId: 'a', deviceId: 'd', identitySecret: 's' })).toThrow(/Not a Sanctum device state/);
  });

  it('fills in what older states left out', () => {
    const state = parseDeviceState({ version: 1, accountId: 'a', deviceId: 'd', identitySecret: 's', identityStore: {}, prekeys: {}, sessions: {} });
    expect(state).toMatchObject({ handle: null, contacts: {} });
  });
});
