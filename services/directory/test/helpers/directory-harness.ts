import { randomUUID } from 'node:crypto';
import type { Database, NotificationBus, SanctumApp } from '@sanctum/kernel';
import { TestTokenIssuer } from '@sanctum/kernel/testing';
import type { TestEngine } from '@sanctum/kernel/testing';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadDirectoryConfig } from '../../src/config.js';
import type { DirectoryTables } from '../../src/store/tables.js';
import { TestIdentity } from './device-keys.js';
import { FakeAuthFeed } from './fake-auth-feed.js';

export const INTERNAL_TOKEN = 'test-internal-token-0123456789abcdef';

/** A device Auth knows (announced on the feed and replicated), with a token and its identity key pair. */
export interface TestDevice {
  accountId: string;
  deviceId: string;
  token: string;
  identity: TestIdentity;
}

export interface DirectoryHarness {
  app: SanctumApp;
  feed: FakeAuthFeed;
  issuer: TestTokenIssuer;
  database: Database<DirectoryTables>;
  /** Announces a device on the feed and waits until the Directory has it. */
  newDevice(accountId?: string): Promise<TestDevice>;
  call(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, token?: string, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Polls `condition` until it holds, failing after a generous deadline (never a fixed sleep). */
export async function eventually(condition: () => Promise<boolean>, what: string, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The Directory on a fresh database of `engine`, following a fake Auth feed over real HTTP. */
export async function startDirectory(engine: TestEngine, env: Record<string, string> = {}, bus?: NotificationBus): Promise<DirectoryHarness> {
  const feed = await new FakeAuthFeed(INTERNAL_TOKEN).start();
  const issuer = await TestTokenIssuer.create();
  const database = await engine.open<DirectoryTables>();
  const config = loadDirectoryConfig({
    SANCTUM_INTERNAL_TOKEN: INTERNAL_TOKEN,
    LOG_LEVEL: 'silent',
    AUTH_URL: feed.url,
    AUTH_EVENTS_WAIT_MS: '2000',
    AUTH_EVENTS_RETRY_MS: '50',
    ...env,
  });
  const app = await buildApp({ config, logger: false, database, keySet: issuer.keySet, ...(bus === undefined ? {} : { bus }) });
  await app.ready();

  const call: DirectoryHarness['call'] = (method, url, token, body) =>
    app.inject({
      method,
      url,
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });

  return {
    app,
    feed,
    issuer,
    database,
    call,
    async newDevice(accountId = randomUUID()) {
      const deviceId = randomUUID();
      const identity = TestIdentity.generate();
      feed.addDevice(accountId, deviceId, identity.publicKeyText);
      const token = await issuer.issue({ accountId, deviceId });
      await eventually(async () => {
        const response = await call('GET', `/v1/accounts/${accountId}/devices`, token);
        return response.statusCode === 200 && response.json<{ devices: { deviceId: string }[] }>().devices.some((d) => d.deviceId === deviceId);
      }, `device ${deviceId} to be replicated`);
      return { accountId, deviceId, token, identity };
    },
    async close() {
      await app.close();
      await feed.stop();
      await database.close();
    },
  };
}
