// Sessions per peer device on top of X3DH/PQXDH and the Double Ratchet:
// encrypt to a device (starting a session from its bundle when there is none),
// decrypt what arrives, and keep the stores consistent.
import type { PrekeyBundle } from './bundle.types.js';
import { verifyBundle } from './bundle.verifier.js';
import { constantTimeEqual, fromBase64Url, toBase64Url } from './crypto.primitives.js';
import { E2eeError } from './e2ee.errors.js';
import type { DecodedEnvelope } from './envelope.codec.js';
import { decodeEnvelope, encodeEnvelopePrefix } from './envelope.codec.js';
import { pad, unpad } from './message.padding.js';
import type { RatchetLimits } from './ratchet.protocol.js';
import { DEFAULT_RATCHET_LIMITS, initRatchetAsInitiator, ratchetDecrypt, ratchetEncrypt } from './ratchet.protocol.js';
import { acceptPrekeyMessage } from './session.responder.js';
import type { SessionRecord, SessionState } from './session.record.js';
import { findByBaseKey, sessionRecordFromJson, sessionRecordToJson, withCurrent } from './session.record.js';
import type { DeviceAddress, IdentityStore, PrekeyStore, SessionStore } from './store.types.js';
import { addressKey } from './store.types.js';
import { initiate } from './x3dh.protocol.js';

/** Queue key of prekey consumption; address keys are JSON arrays, so they never start with this character. */
const PREKEY_LOCK = '#prekeys';

export interface SessionManagerOptions {
  identity: IdentityStore;
  prekeys: PrekeyStore;
  sessions: SessionStore;
  /** MAX_SKIP and the cap on stored skipped keys. */
  limits?: Partial<RatchetLimits>;
  /** Use a bundle's ML-KEM prekey when it has one (PQXDH). Default true. */
  postQuantum?: boolean;
  /**
   * Refuse bundles without an ML-KEM prekey (E2EE_POST_QUANTUM_REQUIRED), so a
   * Directory that strips it cannot downgrade a session start to classic X3DH. Default false.
   */
  requirePostQuantum?: boolean;
}

/** What Messaging delivers to a device (the fields decryption needs). */
export interface IncomingEnvelope {
  senderAccountId: string;
  senderDeviceId: string;
  /** base64url envelope bytes. */
  ciphertext: string;
}

/**
 * @example
 * const sessions = new SessionManager({ identity, prekeys, sessions: new MemorySessionStore() });
 * const ciphertext = await sessions.encryptFor(bob, utf8('hi'), { bundle: bobBundle });
 * const plaintext = await sessions.decrypt(envelopeFromMessaging);
 */
export class SessionManager {
  private readonly identity: IdentityStore;
  private readonly prekeys: PrekeyStore;
  private readonly sessions: SessionStore;
  private readonly limits: RatchetLimits;
  private readonly postQuantum: boolean;
  private readonly requirePostQuantum: boolean;
  /** Operations on one peer device run one after another: each reads, advances and writes its session. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: SessionManagerOptions) {
    this.identity = options.identity;
    this.prekeys = options.prekeys;
    this.sessions = options.sessions;
    this.limits = { ...DEFAULT_RATCHET_LIMITS, ...options.limits };
    this.postQuantum = options.postQuantum ?? true;
    this.requirePostQuantum = options.requirePostQuantum ?? false;
  }

  async hasSession(address: DeviceAddress): Promise<boolean> {
    return (await this.sessions.loadSession(address)) !== undefined;
  }

  /**
   * Runs X3DH (PQXDH when the bundle has an ML-KEM prekey) as initiator and
   * makes the result the current session with this device. Verifies every
   * signature in the bundle first, and refuses an identity key other than the
   * one recorded for the device.
   */
  async startSession(address: DeviceAddress, bundle: PrekeyBundle): Promise<void> {
    await this.serialised(address, () => this.startSessionNow(address, bundle));
  }

  /**
   * Encrypts for one device: on its current session, or on a new one from
   * `bundle` when there is none. Returns the base64url envelope for Messaging.
   */
  async encryptFor(address: DeviceAddress, plaintext: Uint8Array, options: { bundle?: PrekeyBundle | undefined } = {}): Promise<string> {
    return this.serialised(address, async () => {
      let record = await this.load(address);
      if (record === undefined) {
        if (options.bundle === undefined) throw new E2eeError('E2EE_NO_SESSION', 'No session with this device and no bundle to start one');
        record = await this.startSessionNow(address, options.bundle);
      }
      const state = record.current;
      const envelope = ratchetEncrypt(state.ratchet, pad(plaintext), encodeEnvelopePrefix(state.pendingPrekey));
      await this.sessions.storeSession(address, sessionRecordToJson(record));
      return toBase64Url(envelope);
    });
  }

  /**
   * Decrypts an envelope from a peer device. A prekey message starts (or
   * continues) a session; a normal message must match a stored one. Throws
   * E2eeError; on any failure no state changes.
   */
  async decrypt(envelope: IncomingEnvelope): Promise<Uint8Array> {
    const address = { accountId: envelope.senderAccountId, deviceId: envelope.senderDeviceId };
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(envelope.ciphertext, 'ciphertext');
    } catch {
      throw new E2eeError('E2EE_MALFORMED_ENVELOPE', 'Malformed envelope: the ciphertext is not base64url');
    }
    const decoded = decodeEnvelope(bytes);
    return this.serialised(address, async () => {
      const record = await this.load(address);
      if (decoded.prekey !== undefined) {
        await this.checkIdentity(address, decoded.prekey.identityKey);
        const existing = findByBaseKey(record, decoded.prekey.baseKey);
        if (existing === undefined) {
          const fields = decoded.prekey;
          // One session start at a time across all senders: two senders handed the same one-time key cannot both use it.
          return this.serialised(PREKEY_LOCK, async () => {
            const identity = await this.identity.getIdentityKeyPair();
            const accepted = await acceptPrekeyMessage(identity, this.prekeys, { ...decoded, prekey: fields }, this.limits);
            const content = unpad(accepted.plaintext);
            // Session first, then consume the prekey: a crash in between leaves a replay routed to this session, never a lost one.
            await this.sessions.storeSession(address, sessionRecordToJson(withCurrent(record, accepted.state)));
            await this.identity.saveRemoteIdentity(address, fields.identityKey);
            await accepted.commit();
            return content;
          });
        }
        return this.decryptIn(address, record, [existing], decoded);
      }
      if (record === undefined) throw new E2eeError('E2EE_NO_SESSION', 'No session with the sending device');
      return this.decryptIn(address, record, [record.current, ...record.previous], decoded);
    });
  }

  /** Forgets the session and the recorded identity key of a device (after it was removed or re-keyed). */
  async forgetDevice(address: DeviceAddress): Promise<void> {
    await this.serialised(address, async () => {
      await this.sessions.removeSession(address);
      await this.identity.removeRemoteIdentity(address);
    });
  }

  private async decryptIn(address: DeviceAddress, record: SessionRecord | undefined, candidates: SessionState[], decoded: DecodedEnvelope): Promise<Uint8Array> {
    let firstError: unknown;
    for (const candidate of candidates) {
      try {
        const { state: ratchet, plaintext } = ratchetDecrypt(candidate.ratchet, decoded.header, decoded.headerBytes, decoded.ciphertext, this.limits);
        // Hearing from the peer means it has the session: stop resending the X3DH fields.
        const updated: SessionState = { ...candidate, ratchet, pendingPrekey: undefined };
        const content = unpad(plaintext);
        await this.sessions.storeSession(address, sessionRecordToJson(withCurrent(record, updated, candidate)));
        return content;
      } catch (error) {
        firstError ??= error;
      }
    }
    throw firstError;
  }

  private async startSessionNow(address: DeviceAddress, bundle: PrekeyBundle): Promise<SessionRecord> {
    if (bundle.deviceId !== undefined && bundle.deviceId !== address.deviceId) {
      throw new E2eeError('E2EE_INVALID_KEY', `The bundle is for device ${bundle.deviceId}, not ${address.deviceId}`);
    }
    const verified = verifyBundle(bundle);
    if (this.requirePostQuantum && verified.kemPrekey === undefined) {
      throw new E2eeError('E2EE_POST_QUANTUM_REQUIRED', `The bundle of device ${address.deviceId} has no ML-KEM prekey`);
    }
    await this.checkIdentity(address, verified.identityKey);
    const identity = await this.identity.getIdentityKeyPair();
    const initiation = initiate(identity, verified, { postQuantum: this.postQuantum });
    const state: SessionState = {
      role: 'initiator',
      remoteIdentityKey: verified.identityKey,
      baseKey: initiation.prekey.baseKey,
      pendingPrekey: initiation.prekey,
      ratchet: initRatchetAsInitiator(initiation.sharedSecret, initiation.remoteRatchetKey, initiation.associatedData),
    };
    const record = withCurrent(await this.load(address), state);
    await this.sessions.storeSession(address, sessionRecordToJson(record));
    await this.identity.saveRemoteIdentity(address, verified.identityKey);
    return record;
  }

  /**
   * Trust on first use per device: a device's identity key never changes, so a
   * key other than the one recorded for it throws E2EE_IDENTITY_CHANGED.
   */
  async checkIdentity(address: DeviceAddress, identityKey: Uint8Array): Promise<void> {
    const recorded = await this.identity.getRemoteIdentity(address);
    if (recorded !== undefined && !constantTimeEqual(recorded, identityKey)) {
      throw new E2eeError('E2EE_IDENTITY_CHANGED', `Device ${address.deviceId} presents a different identity key than before`);
    }
  }

  private async load(address: DeviceAddress): Promise<SessionRecord | undefined> {
    const json = await this.sessions.loadSession(address);
    return json === undefined ? undefined : sessionRecordFromJson(json);
  }

  private serialised<T>(address: DeviceAddress | typeof PREKEY_LOCK, task: () => Promise<T>): Promise<T> {
    const key = address === PREKEY_LOCK ? address : addressKey(address);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}
