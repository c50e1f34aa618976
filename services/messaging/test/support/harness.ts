import type { Database } from '@sanctum/kernel';
import type { SanctumApp } from '@sanctum/kernel';
import type { TestEngine } from '@sanctum/kernel/testing';
import WebSocket from 'ws';
import { buildApp } from '../../src/app.js';
import type { MessagingDeps } from '../../src/app.js';
import { loadMessagingConfig } from '../../src/config.js';
import type { MessagingTables } from '../../src/store/tables.js';
import type { FakeAuth, TestAccount, TestDevice } from './fake-auth.js';

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface RunningMessaging {
  readonly app: SanctumApp;
  readonly url: string;
  readonly wsUrl: string;
  readonly database: Database<MessagingTables>;
  /** Resolves once this instance's replica has applied every event the fake Auth has emitted. */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly database?: Database<MessagingTables>;
  readonly deps?: Partial<MessagingDeps>;
}

/** Starts Messaging on a real port against a fresh database of `engine`, following `auth`'s feed. */
export async function startMessaging(engine: TestEngine, auth: FakeAuth, options: StartOptions = {}): Promise<RunningMessaging> {
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await engine.open<MessagingTables>());
  const config = loadMessagingConfig({
    SANCTUM_INTERNAL_TOKEN: auth.internalToken,
    AUTH_URL: auth.url,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '1000000',
    SEND_RATE_MAX: '1000000',
    ...options.env,
  });
  const app = await buildApp({ config, logger: false, database, keySet: auth.issuer.keySet, ...options.deps });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url: address,
    wsUrl: address.replace(/^http/, 'ws'),
    database,
    caughtUp: async () => {
      const target = auth.lastSeq;
      await until(async () => (await app.messaging.replica.loadCursor()) >= target, `replica cursor ${target}`);
    },
    close: async () => {
      await app.close();
      if (ownsDatabase) await database.close();
    },
  };
}

export interface Frame {
  type: string;
  [key: string]: unknown;
}

export interface EnvelopeFrame {
  id: number;
  messageId: string;
  conversationId: string;
  seq: number;
  senderAccountId: string;
  senderDeviceId: string;
  clientMessageId: string;
  sentAt: number;
  ciphertext: string;
}

/** A device's WebSocket in a test: records every frame and the close. */
export class TestStream {
  readonly frames: Frame[] = [];
  closeEvent: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Frame));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeEvent = { code, reason: reason.toString('utf8') };
        resolve(this.closeEvent);
      });
    });
  }

  static async open(wsUrl: string, device: TestDevice, options: WebSocket.ClientOptions = {}): Promise<TestStream> {
    const token = await device.token();
    const socket = new WebSocket(`${wsUrl}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, ...options });
    const stream = new TestStream(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => { resolve(); });
      socket.once('error', reject);
    });
    return stream;
  }

  envelopes(): EnvelopeFrame[] {
    return this.frames.filter((f) => f.type === 'envelope').map((f) => f.envelope as EnvelopeFrame);
  }

  async waitFor(predicate: (frames: Frame[]) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    await until(() => predicate(this.frames), what, timeoutMs);
  }

  async waitForEnvelopes(count: number, timeoutMs = 15_000): Promise<EnvelopeFrame[]> {
    await this.waitFor(() => this.envelopes().length >= count, `${count} envelopes`, timeoutMs);
    return this.envelopes();
  }

  hasQueueEmpty(): boolean {
    return this.frames.some((f) => f.type === 'queue_empty');
  }

  ack(ids: number[]): void {
    this.socket.send(JSON.stringify({ type: 'ack', ids }));
  }

  async close(): Promise<void> {
    if (this.closeEvent === undefined) {
      this.socket.close(1000);
      await this.closed;
    }
  }
}

/** `count` random bytes as base64url: a stand-in ciphertext. */
export function fakeCiphertext(count: number, fill = 7): string {
  return Buffer.alloc(count, fill).toString('base64url');
}

/** One direct send of a 3-byte ciphertext from `from`'s first device to `to`'s first device. */
export async function sendDirect(url: string, from: TestAccount, to: TestAccount, clientMessageId: string): ReturnType<typeof call> {
  return call(url, 'POST', `/v1/direct/${to.accountId}/messages`, await from.devices[0]!.token(), {
    clientMessageId,
    envelopes: [{ deviceId: to.devices[0]!.deviceId, ciphertext: 'AAAA' }],
  });
}

/** HTTP helper over a real port: JSON in and out, the token as a bearer. */
export async function call(
  url: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON answers loosely
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}
