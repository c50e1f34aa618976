import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount, TestDevice } from './support/fake-auth.js';
import { TestStream, call, fakeCiphertext, until } from './support/harness.js';
import type { EnvelopeFrame } from './support/harness.js';

const root = join(import.meta.dirname, '..', '..', '..');
const main = join(root, 'services', 'messaging', 'dist', 'main.js');

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  readonly wsUrl: string;
}

/** Starts the built service as its own process; resolves with its URL once it answers /readyz. */
async function startChild(dataDir: string, auth: FakeAuth): Promise<Child> {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      AUTH_URL: auth.url,
      SANCTUM_INTERNAL_TOKEN: auth.internalToken,
      LOG_LEVEL: 'info',
      RATE_LIMIT_MAX: '1000000',
      SEND_RATE_MAX: '1000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /Server listening at (http:\/\/[\d.:]+)/.exec(line);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => { reject(new Error(`messaging exited during start-up (${code})`)); });
  });
  await until(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true, 'readyz', 30_000);
  return { process: child, url, wsUrl: url.replace(/^http/, 'ws') };
}

async function kill(child: Child, signal: NodeJS.Signals): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill(signal);
  await exited;
}

/** A fill byte per client message id, so a ciphertext read back can be checked against the one sent. */
const fillFor = (clientMessageId: string): number => Buffer.from(clientMessageId).reduce((sum, byte) => (sum * 31 + byte) % 251, 7);

// 64 KiB ciphertexts live in segment files beside the database (BlobAppender): their bytes must be as safe as the rows.
describe.each([
  { what: '256-byte ciphertexts, in their rows', size: 256 },
  { what: '64 KiB ciphertexts, in segment files', size: 64 * 1024 },
])('crash safety (real process, SIGKILL): $what', ({ size }) => {
  let auth: FakeAuth;
  let dataDir: string;
  let alice: TestAccount;
  let bob: TestAccount;
  let child: Child | undefined;

  beforeAll(() => {
    // The test runs the compiled service; tsc -b only rebuilds what changed.
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'services/messaging/tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
  }, 300_000);

  beforeAll(async () => {
    auth = await FakeAuth.start();
    dataDir = mkdtempSync(join(tmpdir(), 'sanctum-crash-'));
    alice = auth.createAccount(1);
    bob = auth.createAccount(2);
  });
  afterAll(async () => {
    if (child !== undefined) await kill(child, 'SIGTERM');
    await auth.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every envelope that got a 2xx exactly once (after dedupe) across a SIGKILL', async () => {
    child = await startChild(dataDir, auth);
    const sender: TestDevice = alice.devices[0]!;
    const [online, offline] = [bob.devices[0]!, bob.devices[1]!];
    const token = await sender.token();
    const bodyFor = (id: string) => ({
      clientMessageId: id,
      envelopes: [online, offline].map((d) => ({ deviceId: d.deviceId, ciphertext: fakeCiphertext(size, fillFor(id)) })),
    });
    const send = (url: string, id: string) => call(url, 'POST', `/v1/direct/${bob.accountId}/messages`, token, bodyFor(id));
    // The replica follows Auth's feed: wait until the first send is accepted.
    await until(async () => (await send(child!.url, 'warm-up').catch(() => ({ status: 0 }))).status === 201, 'replica ready');

    // The online device acks everything it receives while the sends go on.
    const delivered: EnvelopeFrame[] = [];
    const stream = await TestStream.open(child.wsUrl, online);
    stream.socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string; envelope?: EnvelopeFrame };
      if (frame.envelope !== undefined) {
        delivered.push(frame.envelope);
        stream.ack([frame.envelope.id]);
      }
    });

    const acknowledged = new Map<string, { seq: number; messageId: string }>(); // got a 2xx
    const unknown = new Set<string>(); // no answer: maybe stored, maybe not
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const id = `m-${next++}`;
        try {
          const response = await send(child!.url, id);
          if (response.status === 201) acknowledged.set(id, { seq: response.body.seq, messageId: response.body.messageId });
          else unknown.add(id);
        } catch {
          unknown.add(id);
          return;
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await until(() => acknowledged.size >= 150, '150 acknowledged sends', 60_000);
    await kill(child, 'SIGKILL');
    stop = true;
    await Promise.all(workers);
    await stream.closed;

    child = await startChild(dataDir, auth);
    // The killed process's segment files are what the large variant's queued bytes are read from.
    const blobs = join(dataDir, 'messaging.sqlite.blobs');
    const segments = existsSync(blobs) ? readdirSync(blobs).length : 0;
    expect(segments > 0).toBe(size >= 16 * 1024);
    // Retrying with the same client ids stores nothing twice: acknowledged ones replay their first result.
    for (const id of [...unknown, ...[...acknowledged.keys()].slice(0, 20)]) {
      const response = await send(child.url, id);
      expect(response.status).toBe(201);
      const first = acknowledged.get(id);
      if (first !== undefined) {
        expect(response.body).toMatchObject({ replayed: true, seq: first.seq, messageId: first.messageId });
      }
      acknowledged.set(id, { seq: response.body.seq, messageId: response.body.messageId });
    }

    for (const device of [online, offline]) {
      const again = await TestStream.open(child.wsUrl, device);
      await again.waitFor(() => again.hasQueueEmpty(), `queue_empty for ${device.deviceId}`, 30_000);
      const received = device === online ? [...delivered, ...again.envelopes()] : again.envelopes();
      again.ack(again.envelopes().map((e) => e.id));
      const byClientId = new Map<string, Set<number>>();
      for (const envelope of received) {
        const ids = byClientId.get(envelope.clientMessageId) ?? new Set<number>();
        ids.add(envelope.id);
        byClientId.set(envelope.clientMessageId, ids);
      }
      for (const envelope of received) expect(envelope.ciphertext === fakeCiphertext(size, fillFor(envelope.clientMessageId)), `${envelope.clientMessageId}'s bytes`).toBe(true);
      for (const id of acknowledged.keys()) {
        // Delivered, and stored once: redeliveries (an ack lost in the crash) carry the same envelope id.
        expect(byClientId.get(id)?.size, `${id} for ${device.deviceId}`).toBe(1);
      }
      if (device === offline) {
        expect(again.envelopes().length).toBe(new Set(again.envelopes().map((e) => e.id)).size);
        const seqs = again.envelopes().map((e) => e.seq);
        expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      }
      await until(async () => {
        const queue = await call(child!.url, 'GET', '/v1/queue', await device.token());
        return queue.body.envelopes.length === 0;
      }, 'queue drained');
      await again.close();
    }
  }, 180_000);
});
