import type { ServiceConfig } from '../config/base.config.js';

/** A valid shared service configuration for tests: quiet, loopback, port 0, generous limits. */
export function testServiceConfig(overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    HOST: '127.0.0.1',
    PORT: 0,
    LOG_LEVEL: 'silent',
    DATA_DIR: './data',
    CORS_ORIGINS: '',
    BODY_LIMIT_BYTES: 1_048_576,
    RATE_LIMIT_MAX: 100_000,
    RATE_LIMIT_WINDOW_MS: 60_000,
    TRUST_PROXY: false,
    SHUTDOWN_TIMEOUT_MS: 2000,
    SANCTUM_INTERNAL_TOKEN: 'test-internal-token-0123456789abcdef',
    ...overrides,
  };
}
