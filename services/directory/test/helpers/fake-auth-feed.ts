import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AUTH_INTERNAL_ROUTES,
  AuthEventFeedQuery,
  AuthEventFeedResponse,
  DeviceListResponse,
  RevocationSnapshotResponse,
} from '@sanctum/kernel';
import type { AuthEvent, AuthEventType, RevocationSnapshot } from '@sanctum/kernel';
import Value from 'typebox/value';

/**
 * A stand-in for Auth's internal API (a test double of another service, not
 * of the Directory's database): a real HTTP server that serves the event
 * feed, the revocation snapshot and device lists exactly as
 * auth-events.contract.ts defines them, long polls included. Every answer is
 * checked against the contract's schemas before it is sent.
 */
export class FakeAuthFeed {
  private readonly events: AuthEvent[] = [];
  private readonly devices = new Map<string, { accountId: string; identityKey: string; createdAt: number; active: boolean }>();
  private readonly revocations: RevocationSnapshot['revocations'] = [];
  private waiters: (() => void)[] = [];
  private server: Server | undefined;
  /** Feed requests received, to tell that a consumer is following. */
  requests = 0;

  constructor(readonly internalToken: string) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null) throw new Error('FakeAuthFeed is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.waiters = [];
    this.server?.closeAllConnections();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  }

  addDevice(accountId: string, deviceId: string, identityKey: string): AuthEvent {
    this.devices.set(deviceId, { accountId, identityKey, createdAt: Date.now(), active: true });
    return this.append('device.added', accountId, { deviceId, identityKey });
  }

  removeDevice(accountId: string, deviceId: string): AuthEvent {
    const device = this.devices.get(deviceId);
    if (device !== undefined) device.active = false;
    this.revocations.push({ kind: 'device', id: deviceId, revokedAt: Date.now() });
    return this.append('device.removed', accountId, { deviceId });
  }

  deleteAccount(accountId: string): AuthEvent {
    for (const device of this.devices.values()) if (device.accountId === accountId) device.active = false;
    this.revocations.push({ kind: 'account', id: accountId, revokedAt: Date.now() });
    return this.append('account.deleted', accountId, {});
  }

  /** Appends any event, as Auth's outbox would (also malformed ones, to test the consumer's defences). */
  append(type: AuthEventType, accountId: string, fields: Partial<Pick<AuthEvent, 'deviceId' | 'identityKey' | 'sessionId'>>): AuthEvent {
    // The contract's `type` is typed `never` (Type.Union over a mapped array, not a tuple), hence the cast.
    const event = { seq: this.events.length + 1, type, accountId, ...fields, occurredAt: Date.now() };
    this.events.push(event);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    return event;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.headers['x-internal-token'] !== this.internalToken) {
      send(response, 403, { error: { code: 'AUTH_INTERNAL_FORBIDDEN', message: 'internal route' } }); return;
    }
    if (url.pathname === AUTH_INTERNAL_ROUTES.events) return this.serveEvents(url, response);
    if (url.pathname === AUTH_INTERNAL_ROUTES.revocations) {
      send(response, 200, Value.Parse(RevocationSnapshotResponse, { revocations: this.revocations })); return;
    }
    const devicesMatch = /^\/internal\/v1\/accounts\/([^/]+)\/devices$/.exec(url.pathname);
    if (devicesMatch !== null) {
      const accountId = decodeURIComponent(devicesMatch[1]!);
      const devices = [...this.devices.entries()]
        .filter(([, d]) => d.accountId === accountId && d.active)
        .map(([deviceId, d]) => ({ deviceId, identityKey: d.identityKey, createdAt: d.createdAt }));
      send(response, 200, Value.Parse(DeviceListResponse, { accountId, devices })); return;
    }
    send(response, 404, { error: { code: 'REQ_NOT_FOUND', message: 'no such route' } });
  }

  private async serveEvents(url: URL, response: ServerResponse): Promise<void> {
    this.requests++;
    const raw = Object.fromEntries(url.searchParams.entries());
    const query = Value.Parse(AuthEventFeedQuery, Value.Convert(AuthEventFeedQuery, raw));
    if (this.events.length <= query.after && query.waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, query.waitMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const events = this.events.slice(query.after, query.after + query.limit);
    const cursor = events.at(-1)?.seq ?? query.after;
    send(response, 200, Value.Parse(AuthEventFeedResponse, { events, cursor }));
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
