import type {} from '@fastify/rate-limit';
import { AppError } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Route `config` for a per-client-IP limit (the kernel's rate-limit plugin:
 * in memory, or shared through Redis when configured; 429 REQ_RATE_LIMITED
 * with Retry-After). The plugin's default key is the client IP, with IPv6
 * grouped by /64 so one host cannot dodge the limit by rotating addresses.
 */
export function perIp(max: number, windowMs: number) {
  return { rateLimit: { max, timeWindow: windowMs } };
}

/**
 * A preHandler that adds a second limit keyed by who the request is about
 * (an account, device, session or link) once the body is parsed, so a
 * distributed attacker is still held to `max` attempts per target.
 *
 * @example
 * app.post('/v1/sessions', { config: perIp(300, 60_000), preHandler: perTarget(app, 'sign-in-device', 30, 60_000, (r) => body(r).deviceId) }, handler);
 */
export function perTarget(
  app: SanctumApp,
  name: string,
  max: number,
  windowMs: number,
  targetOf: (request: FastifyRequest) => string,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  // Limiters made this way share one key space in Redis, hence the name in the key.
  const limiter = app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: (request) => `${name}:${targetOf(request)}` });
  return async (request, reply) => {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    void reply.header('retry-after', String(result.ttlInSeconds));
    throw new AppError('REQ_RATE_LIMITED', `Too many attempts for this ${name.split('-').at(-1) ?? 'target'}; retry in ${result.ttlInSeconds} s`, 429);
  };
}

/** Reads one field of a JSON body that the route schema has already required to be a string. */
export function bodyField(field: string): (request: FastifyRequest) => string {
  return (request) => String((request.body as Record<string, unknown>)[field]);
}
