import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus, RedisBus, createServer, openServiceResources, runService } from '@sanctum/kernel';
import { testServiceConfig } from '@sanctum/kernel/testing';

const redisUrl = process.env.SANCTUM_TEST_REDIS_URL;
const migrations = {
  '2026-11-30-001-things': {
    up: async (db: Kysely<unknown>) => {
      await db.schema.createTable('things').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
    },
  },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sanctum-resources-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openServiceResources', () => {
  it('opens the embedded SQLite file, migrates it, and uses the in-process bus', async () => {
    const resources = await openServiceResources<unknown>({ config: testServiceConfig({ DATA_DIR: dir }), name: 'things', migrations });
    expect(existsSync(join(dir, 'things.sqlite'))).toBe(true);
    expect(resources.database.engine).toBe('sqlite');
    expect(resources.bus).toBeInstanceOf(InProcessBus);
    expect(resources.redis).toBeUndefined();
    expect(Object.keys(resources.readyChecks)).toEqual(['database']);
    await expect(resources.readyChecks.database?.()).resolves.toBeUndefined();
    await resources.close();
    await expect(resources.database.ping()).rejects.toThrow();
  });

  it('leaves a database and bus it was handed open for their owner', async () => {
    const first = await openServiceResources<unknown>({ config: testServiceConfig({ DATA_DIR: dir }), name: 'things', migrations });
    const bus = new InProcessBus();
    const second = await openServiceResources<unknown>({ config: testServiceConfig(), name: 'things', migrations, database: first.database, bus });
    await second.close();
    await expect(first.database.ping()).resolves.toBeUndefined();
    await first.close();
    await bus.close();
  });

  it.skipIf(redisUrl === undefined)('adds Redis and a bus check when REDIS_URL is set', async () => {
    const resources = await openServiceResources<unknown>({ config: testServiceConfig({ DATA_DIR: dir, REDIS_URL: redisUrl }), name: 'things', migrations });
    expect(resources.bus).toBeInstanceOf(RedisBus);
    expect(resources.redis).toBeDefined();
    await expect(resources.readyChecks.bus?.()).resolves.toBeUndefined();
    await resources.close();
  });
});

describe('runService', () => {
  it('listens on the configured address and serves until closed', async () => {
    const app = await createServer({ service: 'runner', description: 't', config: testServiceConfig(), logger: false });
    const address = await runService(app, { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 1000 });
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${address}/healthz`);
    expect(response.status).toBe(200);
    await app.close();
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  });
});
