import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobDirectoryOf } from '../src/blobs/blob-files.js';
import type { MessagingTables } from '../src/store/tables.js';
import { FakeAuth } from './support/fake-auth.js';
import type { TestAccount } from './support/fake-auth.js';
import { TestStream, call, fakeCiphertext, startMessaging } from './support/harness.js';
import type { RunningMessaging } from './support/harness.js';

const [engine] = testEngines();
const LARGE = fakeCiphertext(64 * 1024, 5);
const SMALL = fakeCiphertext(1024, 6);

async function send(url: string, from: TestAccount, to: TestAccount, clientMessageId: string, ciphertext: string) {
  return call(url, 'POST', `/v1/direct/${to.accountId}/messages`, await from.devices[0]!.token(), {
    clientMessageId,
    envelopes: [{ deviceId: to.devices[0]!.deviceId, ciphertext }],
  });
}

describe.each(['event-loop', 'thread'])('large ciphertexts in segment files, writes on the %s', (mode) => {
  let auth: FakeAuth;
  let dir: string;
  beforeAll(async () => {
    auth = await FakeAuth.start();
    dir = mkdtempSync(join(tmpdir(), 'sanctum-large-'));
  });
  afterAll(async () => {
    await auth.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One service process's life on the database file `name` of `dir`: opened, started, used, closed. */
  async function withService(name: string, env: Record<string, string>, use: (service: RunningMessaging) => Promise<void>): Promise<void> {
    const database = openDatabase<MessagingTables>({ dataDir: dir, name });
    const service = await startMessaging(engine!, auth, { database, env: { WRITER_MODE: mode, ...env }, deps: { runSweeper: false } });
    try {
      await use(service);
    } finally {
      await service.close();
      await database.close();
    }
  }

  it('keeps a 64 KiB ciphertext in a segment file, delivers it across a restart, and deletes the file once acknowledged', async () => {
    const env = { BLOB_SEGMENT_BYTES: '60000' };
    const alice = auth.createAccount(1);
    const bob = auth.createAccount(1);
    await withService('messaging', env, async (service) => {
      await service.caughtUp();
      expect((await send(service.url, alice, bob, 'large-1', LARGE)).status).toBe(201);
      expect((await send(service.url, alice, bob, 'small-1', SMALL)).status).toBe(201);
      expect((await send(service.url, alice, bob, 'large-2', LARGE)).status).toBe(201); // the first filled its segment: a second one

      const rows = await service.database.db.selectFrom('envelopes').select(['ciphertext', 'blob_segment', 'blob_length']).orderBy('envelope_id').execute();
      expect(rows.map((row) => [row.ciphertext.byteLength, row.blob_length])).toEqual([
        [0, 65_536],
        [1024, null],
        [0, 65_536],
      ]);
      expect(rows[2]!.blob_segment).toBeGreaterThan(rows[0]!.blob_segment!);

      const polled = await call(service.url, 'GET', '/v1/queue', await bob.devices[0]!.token());
      const queued = polled.body.envelopes as { ciphertext: string }[];
      expect(queued.map((e) => e.ciphertext)).toEqual([LARGE, SMALL, LARGE]);
    });

    // A new process on the same file: the queued ciphertexts are still there, read from their segments.
    await withService('messaging', env, async (service) => {
      const segments = () => readdirSync(blobDirectoryOf(service.database.file!)).filter((name) => name.endsWith('.seg'));
      const stream = await TestStream.open(service.wsUrl, bob.devices[0]!);
      const envelopes = await stream.waitForEnvelopes(3);
      expect(envelopes.map((e) => e.ciphertext)).toEqual([LARGE, SMALL, LARGE]);
      expect(segments()).toHaveLength(2);

      stream.ack(envelopes.map((e) => e.id));
      // The acks commit in their own time; the collector deletes each segment once nothing refers to it.
      const collector = service.app.messaging.collector!;
      const deleted: number[] = [];
      for (let attempt = 0; attempt < 250 && deleted.length < 2; attempt += 1) {
        deleted.push(...(await collector.collectOnce()));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(deleted).toHaveLength(2);
      const metrics = await fetch(`${service.url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/messaging_blob_segments_deleted_total\{service="messaging"\} 2\b/);
      expect(metrics).toMatch(/messaging_blob_segments\{stat="files",service="messaging"\} 0\b/);
      expect(segments()).toEqual([]);
      await stream.close();
    });
  });

  it('skips a queued envelope whose segment file is missing and counts it (a copy without its segment directory)', async () => {
    const alice = auth.createAccount(1);
    const bob = auth.createAccount(1);
    await withService('copied', {}, async (service) => {
      await service.caughtUp();
      expect((await send(service.url, alice, bob, 'large-lost', LARGE)).status).toBe(201);
      expect((await send(service.url, alice, bob, 'small-kept', SMALL)).status).toBe(201);
    });
    renameSync(blobDirectoryOf(join(dir, 'copied.sqlite')), join(dir, 'elsewhere'));

    await withService('copied', {}, async (service) => {
      const polled = await call(service.url, 'GET', '/v1/queue', await bob.devices[0]!.token());
      const queued = polled.body.envelopes as { clientMessageId: string }[];
      expect(queued.map((e) => e.clientMessageId)).toEqual(['small-kept']);
      const metrics = await fetch(`${service.url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/messaging_envelopes_unreadable_total\{service="messaging"\} 1\b/);
    });
  });
});
