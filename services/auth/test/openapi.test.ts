import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuth } from './support/auth-harness.js';
import type { AuthUnderTest } from './support/auth-harness.js';

interface Operation {
  requestBody?: { content: Record<string, { schema?: unknown }> };
  parameters?: { in: string; name: string; schema?: unknown }[];
  responses: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

const EXPECTED = [
  'post /v1/accounts/challenge',
  'post /v1/accounts',
  'get /v1/account',
  'put /v1/account/recovery',
  'delete /v1/account',
  'post /v1/sessions/challenge',
  'post /v1/sessions',
  'post /v1/sessions/refresh',
  'post /v1/sessions/logout',
  'get /v1/sessions',
  'delete /v1/sessions/{sessionId}',
  'get /v1/devices',
  'patch /v1/devices/{deviceId}',
  'delete /v1/devices/{deviceId}',
  'post /v1/links',
  'post /v1/links/inspect',
  'post /v1/links/approve',
  'post /v1/links/complete',
  'post /v1/recovery',
  'get /.well-known/jwks.json',
  'get /internal/v1/events',
  'get /internal/v1/revocations',
  'get /internal/v1/accounts/{accountId}/devices',
  'post /internal/v1/signing-keys/rotate',
  'get /healthz',
  'get /readyz',
];

describe('the OpenAPI document', () => {
  let auth: AuthUnderTest;
  let operations: Map<string, Operation>;
  beforeAll(async () => {
    auth = await startAuth();
    const document = (await auth.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
    operations = new Map(Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method} ${path}`, op] as const)));
  });
  afterAll(() => auth.close());

  it('lists every Auth route', () => {
    expect([...operations.keys()].sort()).toEqual([...EXPECTED].sort());
  });

  it('gives every route a response schema for its success answer (204 has no body)', () => {
    for (const [name, op] of operations) {
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect(success.length, name).toBeGreaterThan(0);
      for (const [status, response] of success) {
        if (status === '204') continue;
        expect(response.content?.['application/json']?.schema, `${name} ${status}`).toBeDefined();
      }
    }
  });

  it('gives every route that takes a body, a query or path parameters their schemas', () => {
    for (const [name, op] of operations) {
      if (name.startsWith('post') || name.startsWith('put') || name.startsWith('patch')) {
        const optionalBody = name === 'post /v1/sessions/logout';
        if (!optionalBody) expect(op.requestBody?.content['application/json']?.schema, name).toBeDefined();
      }
      for (const match of name.matchAll(/\{(\w+)\}/g)) {
        expect(op.parameters?.find((p) => p.in === 'path' && p.name === match[1])?.schema, name).toBeDefined();
      }
    }
    expect(operations.get('get /internal/v1/events')?.parameters?.map((p) => p.name).sort()).toEqual(['after', 'limit', 'waitMs']);
  });
});
