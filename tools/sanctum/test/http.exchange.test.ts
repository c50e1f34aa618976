import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionGate, WaitingRequests, exchange, exchangeWithin } from '../src/lib/load/http.exchange.js';
import type { SendOutcome, SendRequest } from '../src/lib/load/load-target.contract.js';
import { startReferenceServer } from './helpers/reference-server.js';
import type { ReferenceServer } from './helpers/reference-server.js';

let servers: ReferenceServer[] = [];
let pools: Pool[] = [];
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.destroy()));
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all(closers.map((close) => close()));
  servers = [];
  pools = [];
  closers = [];
});

async function poolFor(mode: 'fast' | 'fail' | 'hang', args: string[] = []): Promise<Pool> {
  const server = await startReferenceServer(mode, args);
  servers.push(server);
  const pool = new Pool(server.url, { connections: 1, pipelining: 1 });
  pools.push(pool);
  return pool;
}

const request = (index: number): SendRequest => ({ index, intendedAt: performance.now() });

describe('exchange: one load request through undici dispatch', () => {
  it('resolves with the status of a 2xx and of a non-2xx answer, and the connection is reused', async () => {
    const pool = await poolFor('fail', ['--fail-every', '2']);
    const ok = await exchange(pool, { path: '/', method: 'GET' }, request(0));
    const failed = await exchange(pool, { path: '/', method: 'GET' }, request(1));
    expect(ok).toEqual({ kind: 'ok', status: 200 });
    expect(failed).toEqual({ kind: 'status', status: 500 });
    expect(pool.stats.connected).toBe(1);
  });

  it('sends an iterable body in pieces with its content-length', async () => {
    const pool = await poolFor('fast');
    const pieces = [Buffer.from('{"a":'), Buffer.from('"b"}')];
    const outcome = await exchange(
      pool,
      { path: '/', method: 'POST', headers: { 'content-length': '9' }, body: pieces as unknown as Buffer },
      request(0),
    );
    expect(outcome).toEqual({ kind: 'ok', status: 200 });
  });

  it('gives the request a cancel that abandons it while the server is silent', async () => {
    const pool = await poolFor('hang');
    const sent = request(0);
    const pending = exchange(pool, { path: '/', method: 'GET' }, sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
    sent.cancel?.(new Error('request timed out'));
    await expect(pending).resolves.toEqual({ kind: 'connection', detail: 'request timed out' });
  });

  it('cancels a request still queued behind a busy connection as soon as the pool starts it', async () => {
    const pool = await poolFor('hang');
    const first = request(0);
    const second = request(1);
    const waiting = new WaitingRequests();
    const running = exchange(pool, { path: '/', method: 'GET' }, first, waiting);
    const queued = exchange(pool, { path: '/', method: 'GET' }, second, waiting);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The first is being answered (slowly); the second waits for the one connection.
    expect(waiting.count).toBe(1);
    expect(pool.stats.running).toBe(1);
    second.cancel?.(new Error('queued request timed out'));
    first.cancel?.(new Error('request timed out'));
    await expect(running).resolves.toMatchObject({ kind: 'connection' });
    await expect(queued).resolves.toEqual({ kind: 'connection', detail: 'queued request timed out' });
    expect(waiting.count).toBe(0);
  });

  it('exchangeWithin gives up after its timeout and reports a refused connection as an outcome, never a throw', async () => {
    const pool = await poolFor('hang');
    await expect(exchangeWithin(pool, { path: '/', method: 'GET' }, 100)).resolves.toEqual({ kind: 'connection', detail: 'no answer within 100 ms' });
    const refused = new Pool('http://127.0.0.1:9', { connections: 1 });
    pools.push(refused);
    await expect(exchangeWithin(refused, { path: '/', method: 'GET' }, 1000)).resolves.toEqual({ kind: 'connection', detail: 'ECONNREFUSED' });
  });
});

interface HeldServer {
  readonly held: ServerResponse[];
  readonly paths: string[];
  connections(): number;
}

/** A server that holds every request until the test answers it, counting requests and connections (closed after each test). */
async function heldServer(): Promise<HeldServer & { url: string; close: () => Promise<void> }> {
  const held: ServerResponse[] = [];
  const paths: string[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    request.resume();
    held.push(response);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    paths,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A held server behind a one-connection pool and its gate. */
async function gatedHeldServer(): Promise<{ server: HeldServer; gate: ConnectionGate }> {
  const server = await heldServer();
  closers.push(server.close);
  const pool = new Pool(server.url, { connections: 1, pipelining: 1 });
  pools.push(pool);
  return { server, gate: new ConnectionGate(pool, 1) };
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

/** Answers the held requests in the order they reach the server, each once the one before has its answer. */
async function answerInTurn(server: HeldServer, exchanges: readonly Promise<SendOutcome>[]): Promise<void> {
  for (const [index, exchange] of exchanges.entries()) {
    await until(() => server.held.length > index);
    server.held[index]?.end('ok');
    await expect(exchange).resolves.toEqual({ kind: 'ok', status: 200 });
  }
}

describe('ConnectionGate: the client-side queue in front of the pool', () => {
  it('drops a request that times out while it waits, so it never reaches the server nor costs a connection', async () => {
    const { server, gate } = await gatedHeldServer();
    const [first, second, third] = [request(0), request(1), request(2)];
    const answered = gate.exchange({ path: '/first', method: 'GET' }, first);
    const dropped = gate.exchange({ path: '/second', method: 'GET' }, second);
    const later = gate.exchange({ path: '/third', method: 'GET' }, third);
    await until(() => server.held.length === 1);
    expect(gate.queued).toBe(2);

    second.cancel?.(new Error('request timed out'));
    // Settled at once, not when a connection frees up.
    await expect(dropped).resolves.toEqual({ kind: 'connection', detail: 'request timed out' });
    expect(gate.queued).toBe(1);

    await answerInTurn(server, [answered, later]);
    expect(server.paths).toEqual(['/first', '/third']);
    expect(server.connections()).toBe(1);
    expect(gate.queued).toBe(0);
  });

  it('lets a request the pool has started finish on its connection when it times out, then gives its place to the next', async () => {
    const { server, gate } = await gatedHeldServer();
    const sent = request(0);
    const late = gate.exchange({ path: '/late', method: 'GET' }, sent);
    const next = gate.exchange({ path: '/next', method: 'GET' }, request(1));
    await until(() => server.held.length === 1);
    sent.cancel?.(new Error('request timed out'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Not aborted: the connection stays, and the next request still waits for it.
    expect(gate.queued).toBe(1);
    await answerInTurn(server, [late, next]);
    expect(server.paths).toEqual(['/late', '/next']);
    expect(server.connections()).toBe(1);
  });
});
