import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus, NatsBus, RedisBus, createBus } from '@sanctum/kernel';
import type { NotificationBus } from '@sanctum/kernel';

const redisUrl = process.env.SANCTUM_TEST_REDIS_URL;
const natsUrl = process.env.SANCTUM_TEST_NATS_URL;

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const opened: NotificationBus[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

describe('InProcessBus', () => {
  it('delivers copies to every subscriber of a channel until they unsubscribe', async () => {
    const bus = new InProcessBus();
    opened.push(bus);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const stopA = await bus.subscribe('device:1', (m) => a.push(m));
    await bus.subscribe('device:1', (m) => b.push(m));
    await bus.subscribe('device:2', () => {
      throw new Error('wrong channel');
    });
    const message = { seq: 1 };
    await bus.publish('device:1', message);
    await until(() => a.length === 1 && b.length === 1);
    expect(a[0]).toEqual({ seq: 1 });
    expect(a[0]).not.toBe(message);
    await stopA();
    await bus.publish('device:1', { seq: 2 });
    await until(() => b.length === 2);
    expect(a).toHaveLength(1);
    await expect(bus.ping()).resolves.toBeUndefined();
  });

  it('is what createBus gives without a Redis or NATS URL', async () => {
    const bus = await createBus({});
    opened.push(bus);
    expect(bus).toBeInstanceOf(InProcessBus);
  });
});

describe.skipIf(redisUrl === undefined)('RedisBus', () => {
  it('carries a message from one instance to another', async () => {
    const a = await createBus({ redisUrl });
    const b = new RedisBus(redisUrl!);
    opened.push(a, b);
    expect(a).toBeInstanceOf(RedisBus);
    const received: unknown[] = [];
    const channel = `test:${Math.random()}`;
    const stop = await b.subscribe(channel, (m) => received.push(m));
    const second = await b.subscribe(channel, () => undefined);
    await a.publish(channel, { hello: 'world' });
    await until(() => received.length === 1);
    expect(received[0]).toEqual({ hello: 'world' });
    await stop();
    await second();
    await a.publish(channel, { hello: 'again' });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    await expect(a.ping()).resolves.toBeUndefined();
  });

  it('ignores payloads that are not JSON', async () => {
    const a = new RedisBus(redisUrl!);
    const raw = new RedisBus(redisUrl!, '');
    opened.push(a, raw);
    const received: unknown[] = [];
    const channel = `test:${Math.random()}`;
    await a.subscribe(channel, (m) => received.push(m));
    // Publish without the JSON encoding through a second bus's raw connection.
    await (raw as unknown as { publisher: { publish(c: string, p: string): Promise<number> } }).publisher.publish(`sanctum:${channel}`, 'not json');
    await a.publish(channel, { ok: true });
    await until(() => received.length === 1);
    expect(received).toEqual([{ ok: true }]);
  });
});

describe.skipIf(natsUrl === undefined)('NatsBus', () => {
  it('carries a message from one instance to another and stops after unsubscribing', async () => {
    const a = await createBus({ natsUrl, redisUrl: 'redis://ignored:1' });
    const b = await NatsBus.connect(natsUrl!);
    opened.push(a, b);
    expect(a).toBeInstanceOf(NatsBus);
    const received: unknown[] = [];
    const channel = `device:${Math.random()}`;
    const stop = await b.subscribe(channel, (m) => received.push(m));
    await a.publish(channel, { seq: 7 });
    await until(() => received.length === 1);
    expect(received[0]).toEqual({ seq: 7 });
    await stop();
    await a.publish(channel, { seq: 8 });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    await expect(a.ping()).resolves.toBeUndefined();
  });
});
