import { InProcessBus } from '@sanctum/kernel';
import type { Database, NotificationBus } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadMessagingConfig } from '../src/config.js';
import { GroupCommitter } from '../src/store/group-commit.js';
import type { MessagingTables } from '../src/store/tables.js';
import { FakeAuth } from './support/fake-auth.js';
import { TestStream, call, fakeCiphertext, sendDirect, startMessaging, until } from './support/harness.js';

const [engine] = testEngines();

/** A bus that is down for publishing: wake-ups are lost, messages must not be. */
class BrokenBus extends InProcessBus implements NotificationBus {
  override async publish(): Promise<void> {
    throw new Error('bus down');
  }
}

describe('resilience', () => {
  let auth: FakeAuth;
  beforeAll(async () => {
    auth = await FakeAuth.start();
  });
  afterAll(async () => {
    await auth.close();
  });

  it('still stores and pushes locally when the bus cannot publish', async () => {
    const service = await startMessaging(engine!, auth, { deps: { bus: new BrokenBus() } });
    const alice = auth.createAccount(1);
    const bob = auth.createAccount(1);
    await service.caughtUp();
    const stream = await TestStream.open(service.wsUrl, bob.devices[0]!);
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    const sent = await sendDirect(service.url, alice, bob, 'x');
    expect(sent.status).toBe(201);
    await stream.waitForEnvelopes(1);
    await stream.close();
    await service.close();
  });

  it('pauses pushing while the socket buffer is full and resumes when it drains', async () => {
    const service = await startMessaging(engine!, auth, { env: { WS_MAX_BUFFERED_BYTES: '1024', MAX_CIPHERTEXT_BYTES: '300000' } });
    const alice = auth.createAccount(1);
    const bob = auth.createAccount(1);
    await service.caughtUp();
    const token = await alice.devices[0]!.token();
    for (let i = 0; i < 20; i++) {
      await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, {
        clientMessageId: `big-${i}`,
        envelopes: [{ deviceId: bob.devices[0]!.deviceId, ciphertext: fakeCiphertext(200_000, i) }],
      });
    }
    const stream = await TestStream.open(service.wsUrl, bob.devices[0]!);
    const envelopes = await stream.waitForEnvelopes(20, 30_000);
    expect(envelopes.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    await stream.close();
    await service.close();
  });

  it('closes with 4400 on a binary frame', async () => {
    const service = await startMessaging(engine!, auth);
    const bob = auth.createAccount(1);
    await service.caughtUp();
    const stream = await TestStream.open(service.wsUrl, bob.devices[0]!);
    stream.socket.send(Buffer.from([1, 2, 3]));
    expect((await stream.closed).code).toBe(4400);
    await service.close();
  });

  it('expires never-acknowledged envelopes after the retention period', async () => {
    // 0.000002 days is about 170 ms; the sweeper runs every 100 ms.
    const service = await startMessaging(engine!, auth, { env: { RETENTION_DAYS: '0.000002', SWEEP_INTERVAL_MS: '100' } });
    const alice = auth.createAccount(1);
    const bob = auth.createAccount(1);
    await service.caughtUp();
    const sent = await sendDirect(service.url, alice, bob, 'old');
    expect(sent.status).toBe(201);
    await until(async () => (await service.app.messaging.queues.depthOf(bob.devices[0]!.deviceId)) === 0, 'envelope expired');
    const queue = await call(service.url, 'GET', '/v1/queue', await bob.devices[0]!.token());
    expect(queue.body.envelopes).toEqual([]);
    await service.close();
  });

  it('verifies tokens against Auth’s JWKS when no key set is given', async () => {
    const database = await engine!.open<MessagingTables>();
    const config = loadMessagingConfig({ SANCTUM_INTERNAL_TOKEN: auth.internalToken, AUTH_URL: auth.url, LOG_LEVEL: 'silent' });
    const app = await buildApp({ config, database, followAuthEvents: false, runSweeper: false });
    const device = auth.createAccount(1).devices[0]!;
    const response = await app.inject({ method: 'GET', url: '/v1/queue', headers: { authorization: `Bearer ${await device.token()}` } });
    expect(response.statusCode).toBe(200);
    const subprotocolOnly = await app.inject({ method: 'GET', url: '/v1/stream', headers: { 'sec-websocket-protocol': 'sanctum.v1, sanctum.bearer.' } });
    expect(subprotocolOnly.statusCode).toBe(401);
    await app.close();
    await database.close();
  });

  it('fails every write of a transaction that cannot commit', async () => {
    const database: Database<MessagingTables> = await engine!.open<MessagingTables>();
    const committer = new GroupCommitter(database.db, database.engine, { maxBatch: 10 });
    await database.close();
    const results = await Promise.allSettled([committer.run(async () => 1), committer.run(async () => 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await committer.drain();
  });
});
