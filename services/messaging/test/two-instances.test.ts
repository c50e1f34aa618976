import type { Database } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTables } from '../src/store/tables.js';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount } from './support/fake-auth.js';
import { TestStream, call, fakeCiphertext, startMessaging } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

const redisUrl = process.env.SANCTUM_TEST_REDIS_URL;

describe.skipIf(redisUrl === undefined || redisUrl === '').each(testEngines())('two instances over Redis on $name', (engine) => {
  let auth: FakeAuth;
  let database: Database<MessagingTables>;
  let a: RunningMessaging;
  let b: RunningMessaging;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    database = await engine.open<MessagingTables>();
    const env = { REDIS_URL: redisUrl! };
    a = await startMessaging(engine, auth, { database, env });
    b = await startMessaging(engine, auth, { database, env });
    alice = auth.createAccount(1);
    bob = auth.createAccount(1);
    await a.caughtUp();
    await b.caughtUp();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await database.close();
    await auth.close();
  });

  it('pushes an envelope stored by instance A to the socket held by instance B', async () => {
    const stream = await TestStream.open(b.wsUrl, bob.devices[0]!);
    await stream.waitFor(() => stream.hasQueueEmpty(), 'queue_empty');
    const token = await alice.devices[0]!.token();
    for (let i = 0; i < 3; i++) {
      const sent = await call(a.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, {
        clientMessageId: `x${i}`,
        envelopes: [{ deviceId: bob.devices[0]!.deviceId, ciphertext: fakeCiphertext(32, i) }],
      });
      expect(sent.status).toBe(201);
    }
    const envelopes = await stream.waitForEnvelopes(3);
    expect(envelopes.map((e) => e.seq)).toEqual([1, 2, 3]);
    stream.ack(envelopes.map((e) => e.id));
    await stream.close();
  });

  it('a connection on B replaces the same device’s connection on A (4409)', async () => {
    const onA = await TestStream.open(a.wsUrl, alice.devices[0]!);
    await onA.waitFor(() => onA.hasQueueEmpty(), 'queue_empty on A');
    const onB = await TestStream.open(b.wsUrl, alice.devices[0]!);
    expect((await onA.closed).code).toBe(4409);
    await onB.waitFor(() => onB.hasQueueEmpty(), 'queue_empty on B');
    expect(onB.closeEvent).toBeUndefined();
    await onB.close();
  });

  it('closes a revoked device’s socket on whichever instance holds it', async () => {
    const onB = await TestStream.open(b.wsUrl, bob.devices[0]!);
    await onB.waitFor(() => onB.hasQueueEmpty(), 'queue_empty');
    auth.removeDevice(bob.devices[0]!);
    expect((await onB.closed).code).toBe(4403);
  });
});
