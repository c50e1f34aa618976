import type { LoggerOptions } from 'pino';

/**
 * Paths pino replaces with "[redacted]" wherever they appear in a log line.
 * Tokens, keys, signatures and secrets must never reach a log file.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-internal-token"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.password',
  '*.secret',
  '*.recoverySecret',
  '*.privateKey',
  '*.signature',
  '*.ciphertext',
];

/**
 * pino options shared by every service: JSON lines, the service name on every
 * line, ISO timestamps, and redaction of secrets.
 *
 * @example
 * const app = Fastify({ logger: loggerOptions('auth', 'info') });
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
  };
}
