import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount } from './support/fake-auth.js';
import { call, fakeCiphertext, startMessaging } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

const [engine] = testEngines();

describe('send limits', () => {
  let auth: FakeAuth;
  let service: RunningMessaging;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    service = await startMessaging(engine!, auth, {
      env: { QUEUE_MAX_DEPTH: '3', SEND_RATE_MAX: '12', SEND_RATE_WINDOW_MS: '60000', MAX_CIPHERTEXT_BYTES: '1024' },
    });
    alice = auth.createAccount(2);
    bob = auth.createAccount(1);
    await service.caughtUp();
  });
  afterAll(async () => {
    await service.close();
    await auth.close();
  });

  const envelopes = (bytes = 8) =>
    [alice.devices[1]!, bob.devices[0]!].map((d) => ({ deviceId: d.deviceId, ciphertext: fakeCiphertext(bytes) }));

  it('applies the configured ciphertext limit, and refuses a device addressed twice', async () => {
    const token = await alice.devices[0]!.token();
    const big = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, { clientMessageId: 'big', envelopes: envelopes(1100) });
    expect(big.status).toBe(413);
    expect(big.body.error.details).toMatchObject({ limit: 1024 });
    const twice = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, {
      clientMessageId: 'twice',
      envelopes: [...envelopes(), envelopes()[0]!],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe('MSG_DUPLICATE_DEVICE');
    const notBase64 = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, {
      clientMessageId: 'b64',
      envelopes: envelopes().map((e) => ({ ...e, ciphertext: 'not base64!' })),
    });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.error.code).toBe('MSG_INVALID_CIPHERTEXT');
    for (const bad of ['AAAAA', 'AA==', 'AA.A']) {
      const response = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, {
        clientMessageId: `bad-${bad}`,
        envelopes: envelopes().map((e) => ({ ...e, ciphertext: bad })),
      });
      expect(response.body.error?.code, bad).toBe('MSG_INVALID_CIPHERTEXT');
    }
  });

  it('refuses to grow a device queue past its depth limit', async () => {
    const token = await alice.devices[0]!.token();
    const statuses: number[] = [];
    let last: { body: { error: { code: string; details: { devices: string[] } } } } | undefined;
    for (let i = 0; i < 4; i++) {
      const response = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, { clientMessageId: `q${i}`, envelopes: envelopes() });
      statuses.push(response.status);
      last = response;
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(last!.body.error.code).toBe('MSG_RECIPIENT_QUEUE_FULL');
    expect(last!.body.error.details.devices).toEqual([alice.devices[1]!.deviceId, bob.devices[0]!.deviceId]);
  });

  it('reuses of a client message id in another conversation are refused', async () => {
    const token = await alice.devices[0]!.token();
    const group = await call(service.url, 'POST', '/v1/conversations', token, { members: [] });
    const reused = await call(service.url, 'POST', `/v1/conversations/${group.body.conversationId}/messages`, token, {
      clientMessageId: 'q0',
      envelopes: [{ deviceId: alice.devices[1]!.deviceId, ciphertext: 'AA' }],
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('MSG_CLIENT_ID_REUSED');
  });

  it('refuses prototype-poisoning keys, malformed and empty JSON bodies with 400, storing nothing', async () => {
    const token = await alice.devices[1]!.token();
    const post = async (body: string) => {
      const response = await fetch(`${service.url}/v1/direct/${bob.accountId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      return { status: response.status, code: ((await response.json()) as { error: { code: string } }).error.code };
    };
    const device = bob.devices[0]!.deviceId;
    const poisoned = [
      `{"clientMessageId":"p1","envelopes":[],"__proto__":{"admin":true}}`,
      `{"clientMessageId":"p2","envelopes":[{"deviceId":"${device}","ciphertext":"AA","constructor":{"prototype":{"x":1}}}]}`,
      `{"clientMessageId":"p3","envelopes":[{"deviceId":"${device}","ciphertext":"AA","__proto__":{"deviceId":"x"}}]}`,
    ];
    for (const body of poisoned) expect(await post(body), body).toEqual({ status: 400, code: 'REQ_VALIDATION_FAILED' });
    expect(await post('{"clientMessageId":')).toEqual({ status: 400, code: 'REQ_INVALID_JSON' });
    expect(await post('')).toEqual({ status: 400, code: 'REQ_INVALID_JSON' });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const queue = await call(service.url, 'GET', '/v1/queue?after=0&limit=100', await bob.devices[0]!.token());
    const stored = (queue.body as { envelopes: { clientMessageId: string }[] }).envelopes.map((e) => e.clientMessageId);
    expect(stored).not.toContain('p3');
  });

  it('limits sends per device with 429 and Retry-After', async () => {
    const token = await bob.devices[0]!.token();
    let limited: { status: number; body: { error: { code: string } }; headers: Headers } | undefined;
    for (let i = 0; i < 16 && limited === undefined; i++) {
      const response = await call(service.url, 'POST', `/v1/direct/${alice.accountId}/messages`, token, { clientMessageId: `r${i}`, envelopes: [] });
      if (response.status === 429) limited = response;
    }
    expect(limited?.body.error.code).toBe('MSG_SEND_RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another device of another account is not affected.
    const other = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, await alice.devices[1]!.token(), {
      clientMessageId: 'free',
      envelopes: [],
    });
    expect(other.status).not.toBe(429);
  });
});
