import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { AppError, createServer } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import { testServiceConfig } from '@sanctum/kernel/testing';
import { HttpClient, SanctumApiError } from '@sanctum/client';

let app: SanctumApp;
let client: HttpClient;

beforeAll(async () => {
  app = await createServer({ service: 't', description: 't', config: testServiceConfig({ RATE_LIMIT_MAX: 6 }), logger: false });
  app.post('/v1/echo', { schema: { body: Type.Object({ n: Type.Integer() }, { additionalProperties: false }) } }, async (request) => ({
    n: request.body.n,
    auth: request.headers.authorization ?? null,
  }));
  app.delete('/v1/thing', async (_request, reply) => reply.status(204).send());
  app.get('/v1/conflict', async () => {
    throw new AppError('REQ_TEST_CONFLICT', 'it conflicts', 409, { missing: ['d1'] });
  });
  app.get('/v1/plain', async (_request, reply) => reply.status(502).type('text/plain').send('bad gateway'));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  client = new HttpClient(address);
});
afterAll(() => app.close());

describe('HttpClient', () => {
  it('sends JSON with the bearer token and parses the answer', async () => {
    const response = await client.request<{ n: number; auth: string }>('/v1/echo', { body: { n: 7 }, token: 'tok' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ n: 7, auth: 'Bearer tok' });
    const empty = await client.request('/v1/thing', { method: 'DELETE', signal: AbortSignal.timeout(5000), headers: { 'x-a': 'b' } });
    expect([empty.status, empty.body]).toEqual([204, undefined]);
  });

  it('turns error answers into SanctumApiError with the stable code and details', async () => {
    const error = await client.request('/v1/conflict').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SanctumApiError);
    expect(error).toMatchObject({ status: 409, code: 'REQ_TEST_CONFLICT', message: 'it conflicts', details: { missing: ['d1'] } });
    const plain = await client.request('/v1/plain').catch((e: unknown) => e);
    expect(plain).toMatchObject({ status: 502, code: 'HTTP_502', message: 'bad gateway' });
  });

  it('reports Retry-After on 429', async () => {
    let limited: SanctumApiError | undefined;
    for (let i = 0; i < 10 && limited === undefined; i += 1) {
      await client.request('/v1/echo', { body: { n: i } }).catch((e: unknown) => {
        if (e instanceof SanctumApiError && e.status === 429) limited = e;
      });
    }
    expect(limited?.code).toBe('REQ_RATE_LIMITED');
    expect(limited?.retryAfterS).toBeGreaterThan(0);
  });
});
