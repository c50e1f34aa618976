import Type from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, createServer } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import { testServiceConfig } from '@sanctum/kernel/testing';

let app: SanctumApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(overrides: Parameters<typeof testServiceConfig>[0] = {}, readyChecks = {}): Promise<SanctumApp> {
  app = await createServer({
    service: 'test',
    description: 'kernel test service',
    config: testServiceConfig(overrides),
    readyChecks,
    logger: false,
    bearerAuth: true,
  });
  app.post(
    '/v1/echo',
    {
      schema: {
        body: Type.Object({ text: Type.String({ maxLength: 10 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ text: Type.String() }) },
      },
    },
    async (request) => ({ text: request.body.text }),
  );
  app.get('/v1/conflict', async () => {
    throw new AppError('REQ_TEST_CONFLICT', 'conflict for the test', 409, { which: 'this' });
  });
  app.get('/v1/boom', async () => {
    throw new Error('secret internal detail');
  });
  app.get('/v1/unavailable', async () => {
    throw new AppError('REQ_TEST_DOWN', 'down for the test', 503);
  });
  return app;
}

describe('createServer', () => {
  it('validates bodies and answers with the route schema', async () => {
    const server = await build();
    const ok = await server.inject({ method: 'POST', url: '/v1/echo', payload: { text: 'hi' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ text: 'hi' });
  });

  it('rejects unknown fields instead of dropping them', async () => {
    const server = await build();
    const response = await server.inject({ method: 'POST', url: '/v1/echo', payload: { text: 'hi', admin: true } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('REQ_VALIDATION_FAILED');
    expect(response.json().error.details.issues.length).toBeGreaterThan(0);
  });

  it('maps malformed JSON, oversize bodies, bad media types and unknown routes to stable codes', async () => {
    const server = await build({ BODY_LIMIT_BYTES: 1024 });
    const badJson = await server.inject({ method: 'POST', url: '/v1/echo', payload: '{"text":', headers: { 'content-type': 'application/json' } });
    expect([badJson.statusCode, badJson.json().error.code]).toEqual([400, 'REQ_INVALID_JSON']);
    const big = await server.inject({ method: 'POST', url: '/v1/echo', payload: { text: 'x'.repeat(5000) } });
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'REQ_BODY_TOO_LARGE']);
    const media = await server.inject({ method: 'POST', url: '/v1/echo', payload: 'text', headers: { 'content-type': 'text/csv' } });
    expect([media.statusCode, media.json().error.code]).toEqual([415, 'REQ_UNSUPPORTED_MEDIA_TYPE']);
    const missing = await server.inject({ method: 'GET', url: '/v1/nowhere' });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'REQ_NOT_FOUND']);
  });

  it('answers AppErrors with their code and details, and hides bugs behind a generic 500', async () => {
    const server = await build();
    const conflict = await server.inject({ method: 'GET', url: '/v1/conflict' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toEqual({ error: { code: 'REQ_TEST_CONFLICT', message: 'conflict for the test', details: { which: 'this' } } });
    const down = await server.inject({ method: 'GET', url: '/v1/unavailable' });
    expect([down.statusCode, down.json().error.code]).toEqual([503, 'REQ_TEST_DOWN']);
    const boom = await server.inject({ method: 'GET', url: '/v1/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: 'SRV_INTERNAL', message: 'Internal server error' } });
    expect(boom.body).not.toContain('secret');
  });

  it('keeps a sane caller request id, replaces a bad one, and sets security headers', async () => {
    const server = await build();
    const kept = await server.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await server.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(kept.headers['x-content-type-options']).toBe('nosniff');
    expect(kept.headers['x-frame-options']).toBeDefined();
  });

  it('allows only configured CORS origins', async () => {
    const server = await build({ CORS_ORIGINS: 'https://app.example' });
    const allowed = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://app.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await server.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rate limits per client with 429, the common error shape and Retry-After', async () => {
    const server = await build({ RATE_LIMIT_MAX: 2, RATE_LIMIT_WINDOW_MS: 60_000 });
    const send = () => server.inject({ method: 'POST', url: '/v1/echo', payload: { text: 'x' } });
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200);
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('REQ_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Probes are never limited.
    expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('serves health, readiness with each check, metrics, OpenAPI and docs', async () => {
    let databaseUp = true;
    const server = await build({}, {
      database: async () => {
        if (!databaseUp) throw new Error('connection refused');
      },
    });
    expect((await server.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok', service: 'test' });
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready', checks: { database: 'ok' } }]);
    databaseUp = false;
    const notReady = await server.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().checks.database).toBe('error: connection refused');

    await server.inject({ method: 'POST', url: '/v1/echo', payload: { text: 'hi' } });
    const metrics = await server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/http_requests_total\{[^}]*route="\/v1\/echo"[^}]*status_code="200"[^}]*\} 1/);
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('process_cpu_user_seconds_total');

    const openapi = (await server.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(openapi.openapi).toBe('3.1.0');
    expect(openapi.paths['/v1/echo'].post.requestBody).toBeDefined();
    expect(openapi.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    const docs = await server.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('reports a ready check that hangs as timed out', async () => {
    const server = await build({}, { slow: () => new Promise<void>(() => undefined) });
    const response = await server.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.slow).toBe('error: timed out');
  });
});
