import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatApprove, chatLink, chatRead, chatRegister, chatSafetyNumber, chatSend } from '../src/commands/chat/chat.command.js';
import type { ChatOptions } from '../src/commands/chat/chat.command.js';
import { parseLine, runChatSession } from '../src/commands/chat/chat.session.js';
import { registerChat } from '../src/commands/chat/chat.cli.js';
import { createProgram, runCli } from '../src/lib/cli-program.js';
import { freePort } from '../src/lib/free-port.js';
import { capturingContext } from './release/cli-harness.js';
import { startPlatform } from '../src/lib/platform.js';
import type { Platform } from '../src/lib/platform.js';
import { repoRoot } from '../src/lib/repo-root.js';

// Slow: the three services built from this checkout, as separate processes, and two people chatting
// through them with the SDK's end-to-end encryption (each device's state in its own file).
let platform: Platform | undefined;
let dir: string;
let alice: ChatOptions;
let bob: ChatOptions;
/** Alice and Bob's safety number while each has one device. */
let safetyWithOneDeviceEach = '';

async function filesContain(folder: string, needle: string): Promise<boolean> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() ? await filesContain(path, needle) : (await readFile(path)).includes(needle)) return true;
  }
  return false;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  const root = repoRoot();
  await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'tsconfig.build.json')], { cwd: root, timeout: 300_000 });
  dir = await mkdtemp(join(tmpdir(), 'chat-e2e-'));
  const ports = { auth: await freePort(), directory: await freePort(), messaging: await freePort() };
  platform = await startPlatform({ rootDir: root, dataDir: join(dir, 'data'), ports, logDir: join(dir, 'logs'), baseEnv: { PATH: process.env.PATH } });
  const urls = { auth: platform.url('auth'), directory: platform.url('directory'), messaging: platform.url('messaging') };
  alice = { urls, statePath: join(dir, 'alice.json'), WebSocket };
  bob = { urls, statePath: join(dir, 'bob.json'), WebSocket };
}, 360_000);

afterAll(async () => {
  await platform?.stop();
});

describe('sanctum chat, end to end through Auth, Directory and Messaging', () => {
  it('registers two people, who exchange messages that only their devices can read', async () => {
    const registered = await chatRegister({ ...alice, handle: 'Alice' });
    expect(registered.handle).toBe('alice');
    await chatRegister({ ...bob, handle: 'bob' });
    await expect(chatRegister({ ...bob, handle: 'bobby' })).rejects.toThrow(/already holds a device/);

    const sent = await chatSend({ ...alice, to: 'bob', text: 'hello bob, the secret word is marmalade' });
    expect(sent.seq).toBe(1);
    // The servers hold ciphertext only: the words appear in no file of theirs (databases and WAL included).
    expect(await filesContain(join(dir, 'data'), 'marmalade')).toBe(false);
    expect(await filesContain(join(dir, 'data'), registered.accountId)).toBe(true); // the scan does see what the services store

    const read = await chatRead(bob);
    expect(read.messages.map((m) => [m.fromHandle, m.text])).toEqual([['alice', 'hello bob, the secret word is marmalade']]);
    expect((await chatRead(bob)).messages).toEqual([]); // acknowledged: gone

    // Both directions, several in a row: the ratchet turns, each device restored from its file every time.
    await chatSend({ ...bob, to: 'alice', text: 'hi alice' });
    await chatSend({ ...bob, to: 'alice', text: 'how are you?' });
    await chatSend({ ...alice, to: 'bob', text: 'fine' });
    expect((await chatRead(alice)).messages.map((m) => m.text)).toEqual(['hi alice', 'how are you?']);
    expect((await chatRead(bob)).messages.map((m) => m.text)).toEqual(['fine']);
  }, 60_000);

  it('delivers live in an interactive session, and sends what is typed there', async () => {
    const input = new PassThrough();
    const printed: string[] = [];
    const session = runChatSession({ ...bob, peer: 'alice' }, { input, print: (line) => printed.push(line) });
    await until(async () => (printed.some((l) => l.startsWith('Signed in as bob')) ? true : undefined), 'the session to start');

    await chatSend({ ...alice, to: 'bob', text: 'are you there?' });
    await until(async () => (printed.some((l) => l.endsWith('alice: are you there?')) ? true : undefined), 'the live message');

    input.write('yes, live\n');
    input.write('/safety\n');
    input.write('/help\n');
    input.write('@nobody-has-this-handle hello\n');
    input.end('/quit\n');
    expect(await session).toEqual({ sent: 1, received: 1 });
    expect(printed.join('\n')).toMatch(/\/to <handle>/);
    // The safety number of the current peer: twelve groups of five digits, the same as Alice computes.
    const shown = /Safety number with alice \(1 device of theirs, 1 device of yours\):\n {2}((?:\d{5} ){11}\d{5})\n/.exec(printed.join('\n'));
    expect(shown?.[1]).toBeDefined();
    safetyWithOneDeviceEach = shown?.[1] ?? '';
    expect((await chatSafetyNumber({ ...alice, handle: 'bob' })).safetyNumber).toBe(safetyWithOneDeviceEach);
    expect(printed.join('\n')).toMatch(/not sent: No account has the handle "nobody-has-this-handle"/);
    expect((await chatRead(alice)).messages.map((m) => `${m.fromHandle}: ${m.text}`)).toEqual(['bob: yes, live']);
  }, 60_000);

  it('links a second device of an account, which gets messages from then on, and copies of what the first sends', async () => {
    const laptop = { ...alice, statePath: join(dir, 'alice-laptop.json') };
    let code = '';
    const linked = chatLink({ ...laptop, deviceName: 'laptop', pollMs: 100, onCode: (shown) => (code = shown) });
    await until(async () => (code === '' ? undefined : code), 'the link code');
    expect(await chatApprove({ ...alice, code })).toEqual({ approved: 'laptop' });
    const device = await linked;
    expect(device.handle).toBe('alice');

    await chatSend({ ...bob, to: 'alice', text: 'to both of your devices' });
    expect((await chatRead(alice)).messages.map((m) => m.text)).toEqual(['to both of your devices']);
    expect((await chatRead(laptop)).messages.map((m) => m.text)).toEqual(['to both of your devices']);

    await chatSend({ ...laptop, to: 'bob', text: 'sent from the laptop' });
    expect((await chatRead(bob)).messages.map((m) => [m.fromHandle, m.text])).toEqual([['alice', 'sent from the laptop']]);
    const copy = (await chatRead(alice)).messages;
    expect(copy.map((m) => [m.own, m.text])).toEqual([[true, 'sent from the laptop']]);
  }, 60_000);

  it('gives both people the same safety number, a new one once a device is added, and refuses a swapped device key', async () => {
    const laptop = { ...alice, statePath: join(dir, 'alice-laptop.json') };
    const fromAlice = await chatSafetyNumber({ ...alice, handle: 'bob' });
    expect(fromAlice).toMatchObject({ handle: 'bob', theirDevices: 1, myDevices: 2 });
    expect((await chatSafetyNumber({ ...laptop, handle: 'bob' })).safetyNumber).toBe(fromAlice.safetyNumber);
    expect((await chatSafetyNumber({ ...bob, handle: 'alice' })).safetyNumber).toBe(fromAlice.safetyNumber);
    expect(fromAlice.safetyNumber).not.toBe(safetyWithOneDeviceEach); // Alice's laptop joined

    // Bob's device key as Alice's session recorded it, replaced: what a Directory lying now would look like.
    const state = JSON.parse(await readFile(alice.statePath, 'utf8')) as { identityStore: { remote: Record<string, string> } };
    // Keys are JSON [accountId, deviceId] pairs (see addressKey in the SDK).
    const [address] = Object.keys(state.identityStore.remote).filter((key) => (JSON.parse(key) as string[])[0] === fromAlice.accountId);
    expect(address).toBeDefined();
    state.identityStore.remote[address!] = Buffer.alloc(32, 7).toString('base64url');
    const tampered = { ...alice, statePath: join(dir, 'alice-tampered.json') };
    await writeFile(tampered.statePath, JSON.stringify(state));
    await expect(chatSafetyNumber({ ...tampered, handle: 'bob' })).rejects.toMatchObject({ code: 'E2EE_IDENTITY_CHANGED', message: /presents a different identity key/ });
  }, 60_000);

  it('works as `sanctum chat …` commands, with text or JSON output and the service URLs from the environment', async () => {
    const env = { SANCTUM_AUTH_URL: alice.urls.auth, SANCTUM_DIRECTORY_URL: alice.urls.directory, SANCTUM_MESSAGING_URL: alice.urls.messaging };
    const sanctum = async (stdin: string | undefined, ...args: string[]) => {
      const captured = capturingContext({ cwd: dir, env });
      const context = stdin === undefined ? captured.context : { ...captured.context, stdin: PassThrough.from([stdin]) };
      const program = createProgram(context);
      registerChat(program, context);
      const code = await runCli(program, ['node', 'sanctum', ...args], context);
      return { code, stdout: captured.stdout.join('\n'), stderr: captured.stderr.join('\n') };
    };
    const carol = await sanctum(undefined, 'chat', '--state', 'carol.json', 'register', 'carol', '--device-name', 'phone');
    expect(carol.stdout).toMatch(/^Registered carol: account \S+, device \S+/);
    const sent = await sanctum(undefined, 'chat', '--state', 'carol.json', '--json', 'send', 'bob', 'hi', 'bob,', 'carol', 'here');
    expect(JSON.parse(sent.stdout)).toMatchObject({ to: 'bob', seq: 1 });
    const session = await sanctum('@carol hello carol\n', 'chat', '--state', 'bob.json', 'open');
    expect(session.stdout).toMatch(/carol: hi bob, carol here[\s\S]*Bye \(1 sent, 1 received\)/);
    expect((await sanctum(undefined, 'chat', '--state', 'carol.json', 'read')).stdout).toMatch(/bob: hello carol$/);
    expect((await sanctum(undefined, 'chat', '--state', 'carol.json', 'read')).stdout).toBe('No new messages');
    expect((await sanctum(undefined, 'chat', '--state', 'carol.json', 'safety', 'bob')).stdout).toMatch(/^Safety number with bob \(1 device of theirs, 1 device of yours\):\n {2}(\d{5} ){11}\d{5}\n/);
    const missing = await sanctum(undefined, 'chat', '--state', 'nobody.json', 'read');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/No chat device at/);
  }, 60_000);

  it('refuses a device state that is missing', async () => {
    await expect(chatRead({ ...alice, statePath: join(dir, 'nobody.json') })).rejects.toThrow(/sanctum chat register/);
  });
});

describe('chat input lines', () => {
  it('reads commands, direct messages and plain text', () => {
    expect(parseLine('/safety', 'bob')).toEqual({ kind: 'safety', with: 'bob' });
    expect(parseLine('/safety carol', 'bob')).toEqual({ kind: 'safety', with: 'carol' });
    expect(parseLine('/safety', undefined)).toEqual({ kind: 'no-peer' });
    expect(parseLine('  ', 'bob')).toEqual({ kind: 'empty' });
    expect(parseLine('/quit', undefined)).toEqual({ kind: 'quit' });
    expect(parseLine('/help', undefined)).toEqual({ kind: 'help' });
    expect(parseLine('/to carol', undefined)).toEqual({ kind: 'peer', handle: 'carol' });
    expect(parseLine('@dave hi there', 'bob')).toEqual({ kind: 'send', to: 'dave', text: 'hi there' });
    expect(parseLine('hello', 'bob')).toEqual({ kind: 'send', to: 'bob', text: 'hello' });
    expect(parseLine('hello', undefined)).toEqual({ kind: 'no-peer' });
  });
});
