import { statSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuthClient, DeviceIdentity } from '@sanctum/client';
import type { Database, SanctumApp } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { AuthConfig } from '../src/config.js';
import { KEK_FILE_NAME, KeyEncryptionKey } from '../src/domain/key-encryption.js';
import type { AuthTables } from '../src/store/tables.js';
import { authTestConfig } from './support/auth-harness.js';

interface Jwks {
  keys: { kid: string }[];
}

async function listen(app: SanctumApp): Promise<AuthClient> {
  return new AuthClient(await app.listen({ host: '127.0.0.1', port: 0 }));
}

async function everythingBeforeRestart(client: AuthClient) {
  const laptop = DeviceIdentity.generate();
  const created = await client.createAccount({ identity: laptop, deviceName: 'laptop' });
  const phone = DeviceIdentity.generate();
  const link = await client.requestLink({ identity: phone, deviceName: 'phone' });
  await client.approveLink({ ...created, identity: laptop, code: link.code });
  const linked = await client.completeLink({ identity: phone, link });
  const jwks = (await client.http.request<Jwks>('/.well-known/jwks.json')).body;
  return { laptop, created, phone, linked, jwks };
}

async function expectAllKept(client: AuthClient, before: Awaited<ReturnType<typeof everythingBeforeRestart>>): Promise<void> {
  const { created, linked, laptop, jwks } = before;
  expect((await client.http.request<Jwks>('/.well-known/jwks.json')).body).toEqual(jwks);
  // Access tokens issued before the restart still verify.
  expect(await client.account(created.accessToken)).toMatchObject({ accountId: created.accountId });
  expect((await client.listDevices(linked.accessToken)).map((d) => d.name)).toEqual(['laptop', 'phone']);
  const sessions = (await client.listSessions(created.accessToken)).map((s) => s.sessionId).sort();
  expect(sessions).toEqual([created.sessionId, linked.sessionId].sort());
  // Refresh tokens and devices carry on.
  expect((await client.refresh(linked.refreshToken)).sessionId).toBe(linked.sessionId);
  expect((await client.signIn({ identity: laptop, deviceId: created.deviceId })).accountId).toBe(created.accountId);
}

describe('restarting Auth on the embedded default (SQLite file under DATA_DIR, generated key-encryption key)', () => {
  let config: AuthConfig;
  afterEach(() => {
    rmSync(config.DATA_DIR, { recursive: true, force: true });
  });

  it('keeps accounts, devices, sessions and signing keys; earlier tokens still verify', async () => {
    config = { ...authTestConfig(), SIGNING_KEY_ENCRYPTION_KEY: undefined };
    const first = await buildApp({ config, logger: false });
    const before = await everythingBeforeRestart(await listen(first));
    await first.close();

    // The generated key-encryption key sits beside the database, readable by its owner only.
    const kekFile = join(config.DATA_DIR, KEK_FILE_NAME);
    expect(statSync(kekFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(config.DATA_DIR, 'auth.sqlite')).size).toBeGreaterThan(0);

    const second = await buildApp({ config, logger: false });
    try {
      await expectAllKept(await listen(second), before);
    } finally {
      await second.close();
    }
  });

  it('refuses to start with a key-encryption key other than the one the keys were sealed with', async () => {
    config = authTestConfig();
    await (await buildApp({ config, logger: false })).close();
    const other = KeyEncryptionKey.generate().toBase64();
    await expect(buildApp({ config: { ...config, SIGNING_KEY_ENCRYPTION_KEY: other }, logger: false })).rejects.toThrow();
  });
});

describe.each(testEngines())('restarting Auth on the same $name database', (engine) => {
  let database: Database<AuthTables>;
  let config: AuthConfig;
  afterEach(async () => {
    await database.close();
    rmSync(config.DATA_DIR, { recursive: true, force: true });
  });

  it('keeps everything and earlier tokens still verify', async () => {
    database = await engine.open<AuthTables>();
    config = authTestConfig();
    const first = await buildApp({ config, logger: false, database });
    const before = await everythingBeforeRestart(await listen(first));
    await first.close();
    const second = await buildApp({ config, logger: false, database });
    try {
      await expectAllKept(await listen(second), before);
    } finally {
      await second.close();
    }
  });

  it.runIf(engine.name === 'postgres')('requires a configured key-encryption key on PostgreSQL', async () => {
    database = await engine.open<AuthTables>();
    config = { ...authTestConfig(), SIGNING_KEY_ENCRYPTION_KEY: undefined };
    await expect(buildApp({ config, logger: false, database })).rejects.toThrow(/SIGNING_KEY_ENCRYPTION_KEY/);
  });
});
