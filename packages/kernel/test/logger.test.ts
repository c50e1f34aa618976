import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createServer, loggerOptions } from '@sanctum/kernel';
import { testServiceConfig } from '@sanctum/kernel/testing';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('loggerOptions', () => {
  it('writes JSON lines with the service name and redacts tokens, keys and secrets', () => {
    const { stream, lines } = capture();
    const logger = pino(loggerOptions('auth', 'info'), stream);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJ.secret.token', cookie: 'c=1', 'x-internal-token': 'shh', host: 'h' } },
        body: { refreshToken: 'rt-123', accessToken: 'at-123', privateKey: 'pk', recoverySecret: 'words', handle: 'alice' },
      },
      'hello',
    );
    const [line] = lines();
    const text = JSON.stringify(line);
    expect(line).toMatchObject({ service: 'auth', msg: 'hello', level: 30 });
    expect(typeof line?.time).toBe('string');
    for (const secret of ['eyJ.secret.token', 'rt-123', 'at-123', '"pk"', 'words', 'shh', 'c=1']) expect(text).not.toContain(secret);
    expect(text).toContain('alice');
    expect(text).toContain('[redacted]');
  });

  it('logs one completion line per request with its request id, none for probes', async () => {
    const { stream, lines } = capture();
    const logged = await createServer({
      service: 'test',
      description: 't',
      config: testServiceConfig({ LOG_LEVEL: 'info' }),
      loggerDestination: stream,
    });
    logged.get('/v1/thing', async () => ({ ok: true }));
    await logged.inject({ method: 'GET', url: '/v1/thing', headers: { 'x-request-id': 'req-42', authorization: 'Bearer secret' } });
    await logged.inject({ method: 'GET', url: '/healthz' });
    await logged.close();
    const requestLines = lines().filter((l) => l.msg === 'request completed');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ requestId: 'req-42', url: '/v1/thing', statusCode: 200, service: 'test' });
    // The same fields in the same order as a line of the request's own logger.
    expect(Object.keys(requestLines[0] ?? {})).toEqual(['level', 'time', 'service', 'requestId', 'method', 'url', 'statusCode', 'ms', 'msg']);
    expect(JSON.stringify(lines())).not.toContain('secret');
  });

  it('keeps the request id and redaction on what routes and the error handler log', async () => {
    const { stream, lines } = capture();
    const logged = await createServer({ service: 'test', description: 't', config: testServiceConfig({ LOG_LEVEL: 'info' }), loggerDestination: stream });
    logged.get('/v1/noisy', async (request) => {
      request.log.info({ body: { token: 'tok-secret', handle: 'alice' } }, 'route line');
      return { ok: true };
    });
    logged.get('/v1/broken', async () => {
      throw new Error('boom');
    });
    await logged.inject({ method: 'GET', url: '/v1/noisy', headers: { 'x-request-id': 'req-1' } });
    await logged.inject({ method: 'GET', url: '/v1/broken', headers: { 'x-request-id': 'req-2' } });
    await logged.close();
    const all = lines();
    expect(all.find((l) => l.msg === 'route line')).toMatchObject({ requestId: 'req-1', body: { token: '[redacted]', handle: 'alice' } });
    expect(all.find((l) => l.msg === 'unhandled error')).toMatchObject({ requestId: 'req-2', level: 50 });
    expect(all.find((l) => l.msg === 'request failed' || (l.msg === 'request completed' && l.requestId === 'req-2'))).toMatchObject({
      requestId: 'req-2',
      statusCode: 500,
      level: 30,
    });
    expect(JSON.stringify(all)).not.toContain('tok-secret');
  });
});
