import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Keeps a caller's `x-request-id` when it is a sane token (so one id follows a
 * request across services) and makes a fresh UUID otherwise.
 */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && ACCEPTABLE_ID.test(header) ? header : randomUUID();
}
