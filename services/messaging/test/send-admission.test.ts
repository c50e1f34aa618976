import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { testEngines } from '@sanctum/kernel/testing';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendAdmission, installSendAdmission, whileAdmitted } from '../src/routes/send-admission.js';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount } from './support/fake-auth.js';
import { call, startMessaging, until } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

const [engine] = testEngines();

describe('SendAdmission', () => {
  const limits = { maxPending: 3, maxPendingBytes: 1000, bodyLimitBytes: 600 };

  it('admits up to the count limit, then sheds until a send is released', () => {
    const shed: string[] = [];
    const admission = new SendAdmission(limits, { shed: () => shed.push('shed'), shedding: (on, count) => shed.push(`${on}:${count}`) });
    const releases = [admission.admit(10), admission.admit(10), admission.admit(10)];
    expect(releases.every((release) => release !== undefined)).toBe(true);
    expect(admission.admit(10)).toBeUndefined();
    expect(admission.admit(10)).toBeUndefined();
    releases[0]!();
    releases[0]!(); // a second release changes nothing
    expect(admission.pending).toBe(2);
    expect(admission.admit(10)).toBeDefined();
    expect(admission.admit(10)).toBeUndefined();
    expect(shed).toEqual(['true:0', 'shed', 'shed', 'false:2', 'true:0', 'shed']);
  });

  it('bounds the bytes of declared bodies, and counts a body without a length as the body limit', () => {
    const admission = new SendAdmission(limits);
    const large = admission.admit(600);
    expect(admission.admit(401)).toBeUndefined();
    const fits = admission.admit(400);
    expect(fits).toBeDefined();
    large!();
    fits!();
    const chunked = admission.admit(undefined);
    expect(admission.pendingBytes).toBe(600);
    chunked!();
    expect(admission.pendingBytes).toBe(0);
  });

  it('admits one send over the byte limit when nothing else is pending, so it can always get through', () => {
    const admission = new SendAdmission({ maxPending: 3, maxPendingBytes: 1000, bodyLimitBytes: 2000 });
    const huge = admission.admit(5000);
    expect(huge).toBeDefined();
    expect(admission.pendingBytes).toBe(2000);
    expect(admission.admit(1)).toBeUndefined();
  });
});

describe('the admission slot of a route', () => {
  const post = (url: string, signal?: AbortSignal) =>
    fetch(`${url}/send`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, ...(signal === undefined ? {} : { signal }) });

  /** A send route of one slot: `beforeHandler` runs first (as the rate limiter's hook does), then the handler runs `work` admitted. */
  async function oneSlotRoute(work: () => Promise<void>, beforeHandler: () => Promise<void> = async () => undefined) {
    const admission = new SendAdmission({ maxPending: 1, maxPendingBytes: 1 << 20, bodyLimitBytes: 1 << 20 });
    let started: () => void = () => undefined;
    const handlerReached = new Promise<void>((resolve) => (started = resolve));
    const app = Fastify();
    installSendAdmission(app, admission);
    app.post('/send', { preHandler: async () => { started(); await beforeHandler(); } }, async (request) => {
      await whileAdmitted(request, work);
      return { ok: true };
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { admission, app, url, handlerReached };
  }

  /** Sends one request and aborts it once the route has reached its preHandler; resolves when the abort has landed. */
  async function abandon(url: string, handlerReached: Promise<void>): Promise<void> {
    const gone = new AbortController();
    const abandoned = post(url, gone.signal).catch((error: unknown) => error);
    await handlerReached;
    gone.abort();
    await abandoned;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('outlives a client that goes away while the handler works, and is freed when the handler ends', async () => {
    let finishWork: () => void = () => undefined;
    const work = new Promise<void>((resolve) => (finishWork = resolve));
    const { admission, app, url, handlerReached } = await oneSlotRoute(() => work);
    try {
      await abandon(url, handlerReached);
      expect(admission.pending).toBe(1);
      expect((await post(url)).status).toBe(503);
      finishWork();
      await until(() => admission.pending === 0, 'the slot freed');
      expect((await post(url)).status).toBe(200);
      expect(admission.pending).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('frees the slot of a client gone before the handler starts, and does not do its work', async () => {
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let worked = 0;
    const { admission, app, url, handlerReached } = await oneSlotRoute(
      async () => {
        worked += 1;
      },
      () => gate,
    );
    try {
      await abandon(url, handlerReached);
      expect(admission.pending).toBe(0);
      openGate();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(worked).toBe(0);
      expect(admission.pending).toBe(0);
      expect((await post(url)).status).toBe(200);
      expect(worked).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe('admission control on the send routes', () => {
  let auth: FakeAuth;
  let service: RunningMessaging;
  let alice: TestAccount;
  let bob: TestAccount;

  beforeAll(async () => {
    auth = await FakeAuth.start();
    service = await startMessaging(engine!, auth, { env: { MAX_PENDING_SENDS: '2' } });
    alice = auth.createAccount(1);
    bob = auth.createAccount(1);
    await service.caughtUp();
  });
  afterAll(async () => {
    await service.close();
    await auth.close();
  });

  const body = (clientMessageId: string) => JSON.stringify({ clientMessageId, envelopes: [{ deviceId: bob.devices[0]!.deviceId, ciphertext: 'AAAA' }] });

  /** A send whose headers have arrived and whose body has not: admitted, and pending until `finish`. */
  async function heldSend(clientMessageId: string): Promise<{ socket: Socket; finish: () => Promise<string> }> {
    const token = await alice.devices[0]!.token();
    const url = new URL(service.url);
    const text = body(clientMessageId);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write(
      `POST /v1/direct/${bob.accountId}/messages HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n` +
        text.slice(0, 10),
    );
    return {
      socket,
      finish: async () => {
        socket.write(text.slice(10));
        await new Promise<void>((resolve) => socket.once('close', resolve));
        return answer;
      },
    };
  }

  it('answers 503 MSG_OVERLOADED with Retry-After past the limit, stores nothing, and admits again once sends finish', async () => {
    const first = await heldSend('held-1');
    const second = await heldSend('held-2');
    await until(() => pendingOf(service) === 2, 'two sends pending');

    const token = await alice.devices[0]!.token();
    const shed = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, JSON.parse(body('shed')));
    expect(shed.status).toBe(503);
    expect(shed.body.error.code).toBe('MSG_OVERLOADED');
    expect(shed.headers.get('retry-after')).toBe('1');

    expect(await first.finish()).toMatch(/^HTTP\/1\.1 201/);
    expect(await second.finish()).toMatch(/^HTTP\/1\.1 201/);
    await until(() => pendingOf(service) === 0, 'no send pending');

    const retried = await call(service.url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, JSON.parse(body('shed')));
    expect(retried.status).toBe(201);
    expect(retried.body.replayed).toBe(false); // the shed attempt stored nothing

    const queue = await call(service.url, 'GET', '/v1/queue?after=0&limit=100', await bob.devices[0]!.token());
    expect((queue.body as { envelopes: { clientMessageId: string }[] }).envelopes.map((e) => e.clientMessageId).sort()).toEqual(['held-1', 'held-2', 'shed']);

    const metrics = await fetch(`${service.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/^messaging_sends_shed_total\{service="messaging"\} 1$/m);
    expect(metrics).toMatch(/^messaging_pending_sends\{stat="count",service="messaging"\} 0$/m);
  });

  it('releases the slot of a send whose client goes away before its body arrives', async () => {
    const gone = await heldSend('gone-1');
    const held = await heldSend('gone-2');
    await until(() => pendingOf(service) === 2, 'two sends pending');
    gone.socket.destroy();
    await until(() => pendingOf(service) === 1, 'the abandoned send released');
    expect(await held.finish()).toMatch(/^HTTP\/1\.1 201/);
  });
});

function pendingOf(service: RunningMessaging): number {
  return service.app.messaging.admission.pending;
}
