import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthClient } from '@sanctum/client';
import type { Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import { testServiceConfig } from '@sanctum/kernel/testing';
import { buildApp, loadAuthConfig } from '../../src/app.js';
import type { AuthConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import type { AuthTables } from '../../src/store/tables.js';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdef';
/** A fixed key-encryption key, so PostgreSQL runs (which require one) and restarts agree. */
export const TEST_KEK = Buffer.alloc(32, 9).toString('base64');

/** Auth settings for tests: quiet, cheap scrypt, generous limits unless a test lowers them. */
export function authTestConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'sanctum-auth-'));
  return {
    ...loadAuthConfig({ SANCTUM_INTERNAL_TOKEN: INTERNAL_TOKEN }),
    ...testServiceConfig({ DATA_DIR: dataDir }),
    LOG_LEVEL: 'silent',
    SIGNING_KEY_ENCRYPTION_KEY: TEST_KEK,
    RECOVERY_SCRYPT_COST: 1024,
    RATE_LIMIT_CREATE_PER_IP: 10_000,
    RATE_LIMIT_CHALLENGE_PER_IP: 10_000,
    RATE_LIMIT_SIGN_IN_PER_IP: 10_000,
    RATE_LIMIT_SIGN_IN_PER_DEVICE: 10_000,
    RATE_LIMIT_REFRESH_PER_IP: 10_000,
    RATE_LIMIT_REFRESH_PER_SESSION: 10_000,
    RATE_LIMIT_LINK_PER_IP: 10_000,
    RATE_LIMIT_LINK_PER_ACCOUNT: 10_000,
    RATE_LIMIT_LINK_POLL_PER_IP: 10_000,
    RATE_LIMIT_LINK_POLL_PER_LINK: 10_000,
    RATE_LIMIT_RECOVERY_PER_IP: 10_000,
    RATE_LIMIT_RECOVERY_PER_ACCOUNT: 10_000,
    ...overrides,
  };
}

/** A clock tests can move forward. */
export class TestClock implements Clock {
  constructor(private now = Date.now()) {}
  nowMs(): number {
    return this.now;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface AuthUnderTest {
  readonly app: SanctumApp;
  readonly config: AuthConfig;
  /** Set when started with `listen: true`. */
  readonly url: string;
  readonly client: AuthClient;
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Partial<AuthConfig>;
  database?: Database<AuthTables>;
  bus?: NotificationBus;
  clock?: Clock;
  /** Listen on a loopback port (for the SDK, the kernel verifier and the follower). */
  listen?: boolean;
}

/** Builds Auth (and optionally listens); `close` stops it and removes its data folder. */
export async function startAuth(options: StartOptions = {}): Promise<AuthUnderTest> {
  const config = authTestConfig(options.config);
  const app = await buildApp({
    config,
    logger: false,
    ...(options.database === undefined ? {} : { database: options.database }),
    ...(options.bus === undefined ? {} : { bus: options.bus }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  let url = '';
  if (options.listen === true) url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    config,
    url,
    client: new AuthClient(url === '' ? 'http://127.0.0.1:1' : url),
    close: async () => {
      await app.close();
      rmSync(config.DATA_DIR, { recursive: true, force: true });
    },
  };
}
