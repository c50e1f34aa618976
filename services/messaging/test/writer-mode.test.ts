import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@sanctum/kernel';
import { testEngines } from '@sanctum/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingTables } from '../src/store/tables.js';
import { AdaptiveWriter } from '../src/writer/adaptive-writer.js';
import { ThreadWriter } from '../src/writer/thread-writer.js';
import { InProcessWriter } from '../src/writer/writer.js';
import { FakeAuth } from './support/fake-auth.js';
import { sendDirect, startMessaging } from './support/harness.js';

const [engine] = testEngines();

describe.each([
  { mode: 'adaptive', writer: AdaptiveWriter, place: 'event-loop' },
  { mode: 'thread', writer: ThreadWriter, place: 'thread' },
  { mode: 'event-loop', writer: InProcessWriter, place: 'event-loop' },
])('WRITER_MODE=$mode on a SQLite file', ({ mode, writer, place }) => {
  let auth: FakeAuth;
  let dir: string;
  beforeAll(async () => {
    auth = await FakeAuth.start();
    dir = mkdtempSync(join(tmpdir(), 'sanctum-writer-mode-'));
  });
  afterAll(async () => {
    await auth.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`stores a send through the ${mode} writer and reports where its commit ran`, async () => {
    const database = openDatabase<MessagingTables>({ dataDir: dir, name: 'messaging' });
    const service = await startMessaging(engine!, auth, { database, env: { WRITER_MODE: mode } });
    try {
      expect(service.app.messaging.writer).toBeInstanceOf(writer);
      const alice = auth.createAccount(1);
      const bob = auth.createAccount(1);
      await service.caughtUp();
      const sent = await sendDirect(service.url, alice, bob, 'm1');
      expect(sent.status).toBe(201);
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${service.url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(new RegExp(`messaging_commit_seconds_total\\{place="${place}",service="messaging"\\} [0-9.e-]+`));
      expect(metrics).toContain('messaging_writer_moves_total');
    } finally {
      await service.close();
      await database.close();
    }
  });
});
