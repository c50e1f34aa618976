import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDirectory } from './helpers/directory-harness.js';
import type { DirectoryHarness } from './helpers/directory-harness.js';

interface OpenApiOperation {
  security?: unknown[];
  requestBody?: unknown;
  parameters?: { in: string; name: string }[];
  responses: Record<string, { content?: unknown }>;
}
interface OpenApi { paths: Record<string, Record<string, OpenApiOperation>> }

const ROUTES: [method: string, path: string][] = [
  ['get', '/v1/handle'],
  ['put', '/v1/handle'],
  ['delete', '/v1/handle'],
  ['get', '/v1/handles/{handle}'],
  ['put', '/v1/profile'],
  ['get', '/v1/accounts/{accountId}/profile'],
  ['put', '/v1/keys'],
  ['get', '/v1/keys/counts'],
  ['post', '/v1/accounts/{accountId}/bundle'],
  ['get', '/v1/accounts/{accountId}/devices'],
];

describe('routes, OpenAPI and authentication', () => {
  let h: DirectoryHarness;
  let openapi: OpenApi;
  beforeAll(async () => {
    h = await startDirectory(testEngines()[0]!);
    openapi = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => h.close());

  it('documents every route with its schemas and bearer security', () => {
    const documented = Object.entries(openapi.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of ROUTES) {
      const operation = openapi.paths[path]![method]!;
      expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
      expect(success, `${method} ${path}`).toBeDefined();
      if (method === 'put' || method === 'post') expect(operation.requestBody, `${method} ${path}`).toBeDefined();
    }
  });

  it('refuses every route without a valid access token', async () => {
    const expired = await h.issuer.issue({ issuedAt: Math.floor(Date.now() / 1000) - 3600, ttlS: 60 });
    for (const [method, path] of ROUTES) {
      const url = path.replace('{handle}', 'alice').replace('{accountId}', 'acc');
      const missing = await h.app.inject({ method: method.toUpperCase() as 'GET', url, payload: method === 'get' || method === 'delete' ? undefined : {} });
      expect(missing.statusCode, `${method} ${url}`).toBe(401);
      expect(missing.json().error.code).toBe('AUTH_TOKEN_MISSING');
      const stale = await h.call(method.toUpperCase() as 'GET', url, expired, method === 'get' || method === 'delete' ? undefined : {});
      expect(stale.json().error.code, `${method} ${url}`).toBe('AUTH_TOKEN_EXPIRED');
    }
  });

  it('leaves health and docs open', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
