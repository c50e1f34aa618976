// The SDK is meant to run unchanged in browsers: bundle it for the browser
// with Vite and hold a whole encrypted conversation inside Chromium.
// Slow (a bundle and a browser start); skipped only where no Chromium is installed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const entry = join(import.meta.dirname, '../../src/index.ts');

/** Runs in the page: two devices, a PQXDH session start and three round trips. */
const SCENARIO = `async (url) => {
  const sdk = await import(url);
  const device = async (accountId, deviceId) => {
    const identity = sdk.generateIdentityKeyPair();
    const prekeys = new sdk.MemoryPrekeyStore();
    const published = await new sdk.PrekeyGenerator(identity, prekeys).generate({ oneTimePrekeys: 1, pqOneTimePrekeys: 1 });
    const manager = new sdk.SessionManager({ identity: new sdk.MemoryIdentityStore(identity), prekeys, sessions: new sdk.MemorySessionStore() });
    return { address: { accountId, deviceId }, published, manager };
  };
  const alice = await device('alice', 'a1');
  const bob = await device('bob', 'b1');
  const bundle = {
    identityKey: bob.published.identityKey,
    signedPreKey: bob.published.signedPreKey,
    preKey: { ...bob.published.oneTimePreKeys[0], lastResort: false },
    pqPreKey: { ...bob.published.pqOneTimePreKeys[0], lastResort: false },
  };
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const lines = [];
  let ciphertext = await alice.manager.encryptFor(bob.address, encoder.encode('hello from the browser'), { bundle });
  lines.push(decoder.decode(await bob.manager.decrypt({ senderAccountId: 'alice', senderDeviceId: 'a1', ciphertext })));
  for (let i = 0; i < 3; i++) {
    ciphertext = await bob.manager.encryptFor(alice.address, encoder.encode('bob ' + i));
    lines.push(decoder.decode(await alice.manager.decrypt({ senderAccountId: 'bob', senderDeviceId: 'b1', ciphertext })));
    ciphertext = await alice.manager.encryptFor(bob.address, encoder.encode('alice ' + i));
    lines.push(decoder.decode(await bob.manager.decrypt({ senderAccountId: 'alice', senderDeviceId: 'a1', ciphertext })));
  }
  return lines;
}`;

async function browserBundle(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, target: 'es2022', lib: { entry, formats: ['es'], fileName: 'sdk' } },
  });
  const results = Array.isArray(output) ? output : [output];
  for (const result of results) {
    if (!('output' in result)) continue;
    for (const chunk of result.output) if (chunk.type === 'chunk' && chunk.isEntry) return chunk.code;
  }
  throw new Error('no bundle produced');
}

describe.skipIf(!existsSync(CHROMIUM))('the SDK in a browser', () => {
  it('runs X3DH/PQXDH and the Double Ratchet inside Chromium', { timeout: 120_000 }, async () => {
    const code = await browserBundle();
    expect(code).not.toMatch(/from ['"]node:/);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto('about:blank');
      const moduleUrl = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
      // Passed as source text: the test runner would otherwise rewrite the dynamic import inside it.
      const transcript = await page.evaluate(`(${SCENARIO})(${JSON.stringify(moduleUrl)})`);
      expect(transcript).toEqual(['hello from the browser', 'bob 0', 'alice 0', 'bob 1', 'alice 1', 'bob 2', 'alice 2']);
    } finally {
      await browser.close();
    }
  });
});
