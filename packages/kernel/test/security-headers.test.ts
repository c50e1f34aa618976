import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, createServer } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import { testServiceConfig } from '@sanctum/kernel/testing';

/** What helmet itself puts on a real Node response with the kernel's options. */
async function helmetOnARealResponse(): Promise<Record<string, string>> {
  const server = createHttpServer((request, response) => {
    helmet({ contentSecurityPolicy: false })(request, response, () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const headers: Record<string, string> = {};
    const transport = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    response.headers.forEach((value, name) => {
      if (!transport.has(name)) headers[name] = value;
    });
    return headers;
  } finally {
    server.close();
  }
}

let app: SanctumApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('response headers', () => {
  it('are exactly helmet’s, on successes, errors, 404s and rate-limited answers, each with the request id', async () => {
    const expected = await helmetOnARealResponse();
    expect(expected['x-content-type-options']).toBe('nosniff');
    app = await createServer({ service: 'test', description: 't', config: testServiceConfig({ RATE_LIMIT_MAX: 2 }), logger: false });
    app.get('/v1/conflict', async () => {
      throw new AppError('REQ_TEST_CONFLICT', 'conflict', 409);
    });
    app.get('/v1/limited', async () => ({ ok: true }));
    const answers = [
      await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'r-1' } }),
      await app.inject({ method: 'GET', url: '/v1/conflict', headers: { 'x-request-id': 'r-2' } }),
      await app.inject({ method: 'GET', url: '/v1/nowhere', headers: { 'x-request-id': 'r-3' } }),
      await app.inject({ method: 'GET', url: '/v1/limited', headers: { 'x-request-id': 'r-4' } }),
    ];
    await app.inject({ method: 'GET', url: '/v1/limited' });
    answers.push(await app.inject({ method: 'GET', url: '/v1/limited', headers: { 'x-request-id': 'r-6' } }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 409, 404, 200, 429]);
    for (const [i, answer] of answers.entries()) {
      for (const [name, value] of Object.entries(expected)) expect([name, answer.headers[name]]).toEqual([name, value]);
      expect(answer.headers['x-request-id']).toBe(`r-${i === 4 ? 6 : i + 1}`);
    }
  });
});
