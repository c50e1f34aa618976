import { DeviceIdentity } from '@sanctum/client';
import { TestTokenIssuer } from '@sanctum/kernel/testing';
import type { AuthEventFeed } from '@sanctum/kernel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN, startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';

const headers = { 'x-internal-token': INTERNAL_TOKEN };

describe('the internal event feed', () => {
  let auth: AuthUnderTest;
  beforeEach(async () => {
    auth = await startAuth({ listen: true });
  });
  afterEach(() => auth.close());

  it('pages through events in order with after, limit and cursor', async () => {
    for (let i = 0; i < 3; i += 1) await auth.client.createAccount({ identity: DeviceIdentity.generate() });
    const page = async (after: number, limit: number) =>
      (await auth.app.inject({ url: `/internal/v1/events?after=${after}&limit=${limit}`, headers })).json<AuthEventFeed>();
    const first = await page(0, 4);
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first.cursor).toBe(4);
    const rest = await page(first.cursor, 100);
    expect(rest.events.map((e) => e.seq)).toEqual([5, 6]);
    expect(rest.events.map((e) => e.type)).toEqual(['account.created', 'device.added']);
    expect(await page(6, 100)).toEqual({ events: [], cursor: 6 });
  });

  it('refuses a wait longer than the contract allows', async () => {
    const response = await auth.app.inject({ url: '/internal/v1/events?waitMs=60000', headers });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'REQ_VALIDATION_FAILED' } });
  });

  it('ends held polls when the server shuts down, and copes with callers that hang up', async () => {
    const hangUp = new AbortController();
    const abandoned = fetch(`${auth.url}/internal/v1/events?waitMs=30000`, { headers, signal: hangUp.signal }).catch(() => 'aborted');
    const held = fetch(`${auth.url}/internal/v1/events?waitMs=30000`, { headers });
    await new Promise((resolve) => setTimeout(resolve, 100));
    hangUp.abort();
    expect(await abandoned).toBe('aborted');
    const started = Date.now();
    const closing = auth.app.close();
    const response = await held;
    expect(response.status).toBe(200);
    expect(((await response.json()) as AuthEventFeed).events).toEqual([]);
    await closing;
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses tokens signed by a key it never published', async () => {
    const stranger = await TestTokenIssuer.create();
    const token = await stranger.issue();
    const response = await auth.app.inject({ url: '/v1/devices', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'AUTH_TOKEN_INVALID' } });
  });
});
