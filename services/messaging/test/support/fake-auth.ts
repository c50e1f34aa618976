import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTH_INTERNAL_ROUTES, AuthEventFeedResponse, RevocationSnapshotResponse } from '@sanctum/kernel';
import type { AuthEvent, AuthEventType, RevocationSnapshot } from '@sanctum/kernel';
import { TestTokenIssuer } from '@sanctum/kernel/testing';
import Value from 'typebox/value';

export interface TestDevice {
  readonly accountId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  token(ttlS?: number): Promise<string>;
}

export interface TestAccount {
  readonly accountId: string;
  readonly devices: TestDevice[];
}

/**
 * A stand-in for Auth's internal side, implementing the contract in
 * packages/kernel/src/events/auth-events.contract.ts exactly: the event feed
 * (long poll), the revocation snapshot and the JWKS. Answers are checked
 * against the contract schemas, so a drift fails the test that causes it.
 */
export class FakeAuth {
  readonly events: AuthEvent[] = [];
  private readonly revocations: RevocationSnapshot['revocations'] = [];
  private readonly waiters = new Set<() => void>();
  private server!: Server;
  url = '';

  private constructor(
    readonly issuer: TestTokenIssuer,
    readonly internalToken: string,
  ) {}

  static async start(internalToken = 'test-internal-token-0123456789abcdef'): Promise<FakeAuth> {
    const auth = new FakeAuth(await TestTokenIssuer.create(), internalToken);
    auth.server = createServer((request, response) => {
      auth.handle(request, response);
    });
    await new Promise<void>((resolve) => auth.server.listen(0, '127.0.0.1', resolve));
    auth.url = `http://127.0.0.1:${(auth.server.address() as AddressInfo).port}`;
    return auth;
  }

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }

  /** A new account with `deviceCount` devices (account.created then device.added each). */
  createAccount(deviceCount = 1): TestAccount {
    const accountId = randomUUID();
    this.emit('account.created', { accountId });
    const account: TestAccount = { accountId, devices: [] };
    for (let i = 0; i < deviceCount; i++) this.addDevice(account);
    return account;
  }

  addDevice(account: TestAccount): TestDevice {
    const deviceId = randomUUID();
    const sessionId = randomUUID();
    this.emit('device.added', { accountId: account.accountId, deviceId, identityKey: Buffer.alloc(32, 1).toString('base64url') });
    const device: TestDevice = {
      accountId: account.accountId,
      deviceId,
      sessionId,
      token: (ttlS) => this.issuer.issue({ accountId: account.accountId, deviceId, sessionId, ...(ttlS === undefined ? {} : { ttlS }) }),
    };
    account.devices.push(device);
    return device;
  }

  removeDevice(device: TestDevice): void {
    this.emit('device.removed', { accountId: device.accountId, deviceId: device.deviceId });
    this.revocations.push({ kind: 'device', id: device.deviceId, revokedAt: Date.now() });
  }

  revokeSession(device: TestDevice): void {
    this.emit('session.revoked', { accountId: device.accountId, sessionId: device.sessionId });
    this.revocations.push({ kind: 'session', id: device.sessionId, revokedAt: Date.now() });
  }

  deleteAccount(account: TestAccount): void {
    this.emit('account.deleted', { accountId: account.accountId });
    this.revocations.push({ kind: 'account', id: account.accountId, revokedAt: Date.now() });
  }

  private emit(type: AuthEventType, fields: Omit<AuthEvent, 'seq' | 'type' | 'occurredAt'>): void {
    this.events.push({ seq: this.events.length + 1, type, occurredAt: Date.now(), ...fields });
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.url);
    if (url.pathname === '/.well-known/jwks.json') {
      this.json(response, 200, this.issuer.jwks);
      return;
    }
    if (request.headers['x-internal-token'] !== this.internalToken) {
      this.json(response, 403, { error: { code: 'AUTH_INTERNAL_FORBIDDEN', message: 'internal only' } });
      return;
    }
    if (url.pathname === AUTH_INTERNAL_ROUTES.revocations) {
      const body = { revocations: this.revocations };
      if (!Value.Check(RevocationSnapshotResponse, body)) throw new Error('fake Auth broke the revocation contract');
      this.json(response, 200, body);
      return;
    }
    if (url.pathname === AUTH_INTERNAL_ROUTES.events) {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const waitMs = Number(url.searchParams.get('waitMs') ?? 0);
      const answer = () => {
        const events = this.events.filter((e) => e.seq > after).slice(0, limit);
        const body = { events, cursor: events.at(-1)?.seq ?? after };
        if (!Value.Check(AuthEventFeedResponse, body)) throw new Error('fake Auth broke the event feed contract');
        this.json(response, 200, body);
      };
      if (this.lastSeq > after || waitMs === 0) {
        answer();
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        answer();
      }, waitMs);
      const wake = () => {
        clearTimeout(timer);
        answer();
      };
      this.waiters.add(wake);
      request.on('close', () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      });
      return;
    }
    this.json(response, 404, { error: { code: 'REQ_NOT_FOUND', message: 'no such route' } });
  }

  private json(response: ServerResponse, status: number, body: unknown): void {
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
