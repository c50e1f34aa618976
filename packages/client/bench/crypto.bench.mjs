// Client crypto benchmark, against the built SDK (run `npm run build` first):
//   node packages/client/bench/crypto.bench.mjs [--seconds=2]
// Measures session setups per second (X3DH, PQXDH with ML-KEM-768) and
// Double Ratchet encrypt+decrypt of 1 KiB messages, through SessionManager
// (what an app calls, state (de)serialisation included) and the ratchet core.
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  MemoryIdentityStore,
  MemoryPrekeyStore,
  MemorySessionStore,
  PrekeyGenerator,
  SessionManager,
  generateIdentityKeyPair,
} from '../dist/index.js';
import { generateX25519KeyPair, randomBytes } from '../dist/crypto/crypto.primitives.js';
import { decodeEnvelope, encodeEnvelopePrefix } from '../dist/crypto/envelope.codec.js';
import { initRatchetAsInitiator, initRatchetAsResponder, ratchetDecrypt, ratchetEncrypt } from '../dist/crypto/ratchet.protocol.js';

const secondsArg = process.argv.find((arg) => arg.startsWith('--seconds='));
const SECONDS = secondsArg === undefined ? 2 : Number(secondsArg.slice('--seconds='.length));
const MESSAGE = randomBytes(1024);

function device(accountId, deviceId) {
  const identity = generateIdentityKeyPair();
  const prekeys = new MemoryPrekeyStore();
  const manager = new SessionManager({ identity: new MemoryIdentityStore(identity), prekeys, sessions: new MemorySessionStore() });
  return { address: { accountId, deviceId }, identity, prekeys, manager, generator: new PrekeyGenerator(identity, prekeys) };
}

/** Runs `step` repeatedly for about SECONDS (after a short warm-up) and returns operations per second. */
async function measure(step, prepare = async () => undefined) {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) await step(await prepare());
  let count = 0;
  let busy = 0;
  const until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    const input = await prepare();
    const start = performance.now();
    await step(input);
    busy += performance.now() - start;
    count++;
  }
  return { opsPerSecond: (count * 1000) / busy, msPerOp: busy / count, count };
}

/** One full session start: bundle verification, X3DH/PQXDH on both ends, first 1 KiB message each way. */
async function sessionSetup(postQuantum) {
  const alice = device('alice', 'a1');
  const bob = device('bob', 'b1');
  const upload = await bob.generator.generate({ oneTimePrekeys: 0, pqOneTimePrekeys: 0 });
  // Prepared outside the timed part: a fresh one-time key (and ML-KEM key) per setup, as the Directory hands out.
  const prepare = async () => {
    const more = await bob.generator.generate({
      signedPrekey: false,
      lastResortPrekey: false,
      pqLastResortPrekey: false,
      oneTimePrekeys: 1,
      pqOneTimePrekeys: postQuantum ? 1 : 0,
    });
    await alice.manager.forgetDevice(bob.address);
    await bob.manager.forgetDevice(alice.address);
    return {
      identityKey: upload.identityKey,
      signedPreKey: upload.signedPreKey,
      preKey: { ...more.oneTimePreKeys[0], lastResort: false },
      pqPreKey: postQuantum ? { ...more.pqOneTimePreKeys[0], lastResort: false } : null,
    };
  };
  return measure(async (bundle) => {
    const first = await alice.manager.encryptFor(bob.address, MESSAGE, { bundle });
    await bob.manager.decrypt({ senderAccountId: 'alice', senderDeviceId: 'a1', ciphertext: first });
    const reply = await bob.manager.encryptFor(alice.address, MESSAGE);
    await alice.manager.decrypt({ senderAccountId: 'bob', senderDeviceId: 'b1', ciphertext: reply });
  }, prepare);
}

/** Encrypt + decrypt of one 1 KiB message through SessionManager; `alternate` makes every message a DH ratchet step. */
async function managerRoundTrips(alternate) {
  const alice = device('alice', 'a1');
  const bob = device('bob', 'b1');
  const upload = await bob.generator.generate({ oneTimePrekeys: 1, pqOneTimePrekeys: 1 });
  const bundle = { identityKey: upload.identityKey, signedPreKey: upload.signedPreKey, preKey: upload.oneTimePreKeys[0], pqPreKey: upload.pqOneTimePreKeys[0] };
  const first = await alice.manager.encryptFor(bob.address, MESSAGE, { bundle });
  await bob.manager.decrypt({ senderAccountId: 'alice', senderDeviceId: 'a1', ciphertext: first });
  let turn = 0;
  return measure(async () => {
    const [from, to] = alternate && turn++ % 2 === 1 ? [bob, alice] : [alice, bob];
    const ciphertext = await from.manager.encryptFor(to.address, MESSAGE);
    await to.manager.decrypt({ senderAccountId: from.address.accountId, senderDeviceId: from.address.deviceId, ciphertext });
  });
}

/** The same on the bare ratchet functions: the cryptographic cost without storage. */
async function coreRoundTrips(alternate) {
  const secret = randomBytes(32);
  const ad = randomBytes(64);
  const bobKeys = generateX25519KeyPair();
  const parties = [{ state: initRatchetAsInitiator(secret, bobKeys.publicKey, ad) }, { state: initRatchetAsResponder(secret, bobKeys, ad) }];
  const prefix = encodeEnvelopePrefix(undefined);
  let turn = 0;
  const step = () => {
    const [from, to] = alternate && turn % 2 === 1 ? [parties[1], parties[0]] : [parties[0], parties[1]];
    turn++;
    const decoded = decodeEnvelope(ratchetEncrypt(from.state, MESSAGE, prefix));
    to.state = ratchetDecrypt(to.state, decoded.header, decoded.headerBytes, decoded.ciphertext).state;
  };
  step();
  if (alternate) step();
  return measure(async () => step());
}

const rows = [
  ['session setup, X3DH (both ends + first message each way)', await sessionSetup(false)],
  ['session setup, PQXDH with ML-KEM-768 (both ends + first message each way)', await sessionSetup(true)],
  ['1 KiB encrypt+decrypt, SessionManager, same sender (symmetric ratchet)', await managerRoundTrips(false)],
  ['1 KiB encrypt+decrypt, SessionManager, alternating senders (DH ratchet step each)', await managerRoundTrips(true)],
  ['1 KiB encrypt+decrypt, ratchet core, same sender', await coreRoundTrips(false)],
  ['1 KiB encrypt+decrypt, ratchet core, alternating senders', await coreRoundTrips(true)],
];

console.log(`Client crypto — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
console.log('');
console.log('| operation | per second | ms each | samples |');
console.log('|---|---:|---:|---:|');
for (const [name, result] of rows) {
  console.log(`| ${name} | ${result.opsPerSecond.toFixed(0)} | ${result.msPerOp.toFixed(2)} | ${result.count} |`);
}
