// One device of one account, end to end: Auth sign-in, key material in the
// Directory, X3DH/Double Ratchet sessions, and Messaging sends and delivery.
// The servers see public keys and ciphertext only.
import { AuthClient } from '../auth/auth-client.js';
import { DeviceIdentity } from '../auth/device-identity.js';
import type { Session } from '../auth/session.js';
import type { DeviceEnvelope, RecipientDevice } from '../crypto/device.fan-out.js';
import { encryptForDevices } from '../crypto/device.fan-out.js';
import { MemoryIdentityStore, MemoryPrekeyStore, MemorySessionStore } from '../crypto/memory.stores.js';
import { PrekeyGenerator } from '../crypto/prekey.generator.js';
import { formatSafetyNumber, safetyNumber } from '../crypto/safety-number.fingerprint.js';
import { SessionManager } from '../crypto/session.manager.js';
import type { DeviceAddress } from '../crypto/store.types.js';
import { DirectoryClient } from '../directory/directory.client.js';
import { fromBase64Url } from '../encoding/base64url.js';
import { HttpClient } from '../http/http-client.js';
import { MessageStream } from '../messaging/message-stream.js';
import { MessagingClient } from '../messaging/messaging.client.js';
import type { DeviceMismatch, Envelope, OutgoingEnvelope, SendResult } from '../messaging/messaging.types.js';
import { MAX_TEXT_LENGTH, decodeChatPayload, encodeChatPayload } from './chat.payload.js';
import type { DeviceStateJson } from './device.state.js';
import type { ChatMessage, DeviceOptions, ListenHandlers, SafetyNumberResult } from './device.types.js';
import { keyUploadFromPayload, prekeyBundleFromDevice } from './key-material.convert.js';

/**
 * @example
 * const alice = await SanctumDevice.register({ urls, handle: 'alice', WebSocket });
 * await alice.sendText('bob', 'hi Bob');
 * const stop = alice.listen({ onMessage: (m) => console.log(m.fromHandle, m.text) });
 * save(alice.toJSON()); // later: SanctumDevice.restore(saved, { urls, WebSocket })
 */
export class SanctumDevice {
  private readonly directory: DirectoryClient;
  private readonly messaging: MessagingClient;
  private readonly crypto: SessionManager;
  private readonly generator: PrekeyGenerator;
  private readonly contacts: Map<string, string>;
  private received = 0;

  private constructor(
    private readonly options: DeviceOptions,
    private readonly identity: DeviceIdentity,
    private readonly session: Session,
    private readonly stores: { identity: MemoryIdentityStore; prekeys: MemoryPrekeyStore; sessions: MemorySessionStore },
    private currentHandle: string | null,
    contacts: Record<string, string>,
  ) {
    const token = () => session.accessToken();
    this.directory = new DirectoryClient(new HttpClient(options.urls.directory), token);
    this.messaging = new MessagingClient({ baseUrl: options.urls.messaging, token });
    this.crypto = new SessionManager(stores);
    this.generator = new PrekeyGenerator({ publicKey: identity.publicKey, secretKey: fromBase64Url(identity.secretKeyBase64url) }, stores.prekeys);
    this.contacts = new Map(Object.entries(contacts));
  }

  /** Creates an account with this device as its first, publishes its keys, and claims `handle` if given. */
  static async register(options: DeviceOptions & { handle?: string; deviceName?: string }): Promise<SanctumDevice> {
    const identity = DeviceIdentity.generate();
    const auth = new AuthClient(options.urls.auth);
    const tokens = await auth.createAccount({ identity, ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }) });
    const device = await SanctumDevice.enrol(options, identity, auth.session(tokens));
    if (options.handle !== undefined) await device.claimHandle(options.handle);
    return device;
  }

  /**
   * A new device for an existing account: show `code` on this device and approve it on a signed-in one
   * (`approveLink`); `device` resolves once approved (it rejects when the link expires).
   */
  static async link(options: DeviceOptions & { deviceName?: string; pollMs?: number; signal?: AbortSignal }): Promise<{ code: string; expiresAt: number; device: Promise<SanctumDevice> }> {
    const identity = DeviceIdentity.generate();
    const auth = new AuthClient(options.urls.auth);
    const link = await auth.requestLink({ identity, ...(options.deviceName === undefined ? {} : { deviceName: options.deviceName }) });
    const device = (async () => {
      const tokens = await auth.waitForLink({ identity, link, pollMs: options.pollMs ?? 1000, ...(options.signal === undefined ? {} : { signal: options.signal }) });
      const enrolled = await SanctumDevice.enrol(options, identity, auth.session(tokens));
      enrolled.currentHandle = (await enrolled.directory.myHandle())?.handle ?? null;
      return enrolled;
    })();
    return { code: link.code, expiresAt: link.expiresAt, device };
  }

  /** Fresh stores for a just-enrolled device, and its key material published to the Directory. */
  private static async enrol(options: DeviceOptions, identity: DeviceIdentity, session: Session): Promise<SanctumDevice> {
    const keyPair = { publicKey: identity.publicKey, secretKey: fromBase64Url(identity.secretKeyBase64url) };
    const stores = { identity: new MemoryIdentityStore(keyPair), prekeys: new MemoryPrekeyStore(), sessions: new MemorySessionStore() };
    const device = new SanctumDevice(options, identity, session, stores, null, {});
    const keys = await device.generator.generate({ oneTimePrekeys: device.prekeyTarget, pqOneTimePrekeys: device.prekeyTarget });
    await device.directory.uploadKeys(keyUploadFromPayload(keys));
    return device;
  }

  /** Brings a saved device back: signs in afresh with its identity key (no stored token to go stale). */
  static async restore(state: DeviceStateJson, options: DeviceOptions): Promise<SanctumDevice> {
    const identity = DeviceIdentity.fromSecretKey(state.identitySecret);
    const auth = new AuthClient(options.urls.auth);
    const tokens = await auth.signIn({ identity, deviceId: state.deviceId });
    const stores = {
      identity: MemoryIdentityStore.fromJSON(state.identityStore),
      prekeys: MemoryPrekeyStore.fromJSON(state.prekeys),
      sessions: MemorySessionStore.fromJSON(state.sessions),
    };
    return new SanctumDevice(options, identity, auth.session(tokens), stores, state.handle, state.contacts);
  }

  get accountId(): string {
    return this.session.tokens.accountId;
  }

  get deviceId(): string {
    return this.session.tokens.deviceId;
  }

  get handle(): string | null {
    return this.currentHandle;
  }

  async claimHandle(handle: string): Promise<string> {
    const claimed = await this.directory.claimHandle(handle);
    this.currentHandle = claimed.handle;
    return claimed.handle;
  }

  /** Approves a new device of this account by the code it shows (the approval is signed with this device's key). */
  async approveLink(code: string): Promise<{ deviceName: string }> {
    const tokens = this.session.tokens;
    const info = await new AuthClient(this.options.urls.auth).approveLink({
      accessToken: await this.session.accessToken(),
      accountId: tokens.accountId,
      deviceId: tokens.deviceId,
      identity: this.identity,
      code,
    });
    return { deviceName: info.deviceName };
  }

  /** The account id behind a handle (SanctumApiError `DIR_HANDLE_NOT_FOUND`-style 404 when there is none). */
  async resolve(handle: string): Promise<string> {
    const found = await this.directory.lookupHandle(handle);
    if (found === null) throw new Error(`No account has the handle "${handle}"`);
    this.contacts.set(found.accountId, found.handle);
    return found.accountId;
  }

  /**
   * Encrypts `text` for every device of the recipient and this account's other devices, and sends it.
   * Devices without a session get one from a Directory bundle; should the device set change between
   * the listing and the send, Messaging's check (409) names the difference and the send is retried
   * with the same message id.
   */
  async sendText(toHandle: string, text: string): Promise<SendResult & { toAccountId: string }> {
    if (text.length === 0 || text.length > MAX_TEXT_LENGTH) throw new RangeError(`A message has 1 to ${MAX_TEXT_LENGTH} characters`);
    const to = await this.resolve(toHandle);
    const plaintext = encodeChatPayload({ v: 1, type: 'text', text, fromHandle: this.currentHandle ?? undefined, to, sentAt: Date.now() });
    const accounts = to === this.accountId ? [to] : [to, this.accountId];
    const devices: RecipientDevice[] = [];
    for (const accountId of accounts) {
      for (const { deviceId } of await this.directory.listDevices(accountId)) {
        if (accountId === this.accountId && deviceId === this.deviceId) continue;
        devices.push(await this.withBundleIfNeeded({ accountId, deviceId }));
      }
    }
    const result = await this.messaging.sendDirect(to, await this.encrypt(plaintext, devices), {
      clientMessageId: globalThis.crypto.randomUUID(),
      onDeviceMismatch: (mismatch, current) => this.reconcile(plaintext, to, mismatch, current),
      // The Directory has just resolved `to`; Messaging learns new accounts from Auth a moment later.
      accountKnownToExist: true,
    });
    return { ...result, toAccountId: to };
  }

  /**
   * The safety number of this account and `handle`'s: 60 digits over every
   * device identity key of both accounts, which the two people compare in
   * person or over another channel. It comes out the same on both sides only
   * if each saw the other's real keys. A device key listed now that differs
   * from the one a session of this device already uses is refused outright:
   * the Directory (or someone in between) swapped it.
   */
  async safetyNumberWith(handle: string): Promise<SafetyNumberResult> {
    const accountId = await this.resolve(handle);
    const [theirs, mine] = await Promise.all([this.directory.listDevices(accountId), this.directory.listDevices(this.accountId)]);
    for (const device of theirs) await this.crypto.checkIdentity({ accountId, deviceId: device.deviceId }, device.identityKey);
    const digits = safetyNumber(
      { stableId: this.accountId, identityKeys: mine.map((d) => d.identityKey) },
      { stableId: accountId, identityKeys: theirs.map((d) => d.identityKey) },
    );
    return { handle, accountId, safetyNumber: formatSafetyNumber(digits), theirDevices: theirs.length, myDevices: mine.length };
  }

  /** Receives over the WebSocket until the returned function is called; each envelope is acknowledged once handled. */
  listen(handlers: ListenHandlers): () => Promise<void> {
    const stream = new MessageStream({
      url: this.options.urls.messaging,
      token: () => this.session.accessToken(),
      ...(this.options.WebSocket === undefined ? {} : { WebSocket: this.options.WebSocket }),
      onEnvelope: async (envelope) => {
        const message = await this.open(envelope).catch((error: unknown) => {
          handlers.onUndecryptable?.(envelope, error);
          return undefined;
        });
        if (message !== undefined) await handlers.onMessage(message);
      },
      onQueueEmpty: () => {
        void this.replenishPrekeys().catch((error: unknown) => handlers.onError?.(error));
        handlers.onReady?.();
      },
      ...(handlers.onError === undefined ? {} : { onError: handlers.onError }),
    });
    stream.start();
    return () => stream.stop();
  }

  /** Polls the queue once instead of listening: decrypts, acknowledges and returns what was waiting. */
  async receive(limit = 100): Promise<{ messages: ChatMessage[]; undecryptable: number }> {
    const page = await this.messaging.fetchQueue(0, limit);
    const messages: ChatMessage[] = [];
    let undecryptable = 0;
    for (const envelope of page.envelopes) {
      const message = await this.open(envelope).catch(() => undefined);
      if (message === undefined) undecryptable++;
      else messages.push(message);
    }
    await this.messaging.ack(page.envelopes.map((e) => e.id));
    if (page.envelopes.length > 0) await this.replenishPrekeys();
    return { messages, undecryptable };
  }

  /** The state to save (private keys included) for `restore`. */
  toJSON(): DeviceStateJson {
    return {
      version: 1,
      accountId: this.accountId,
      deviceId: this.deviceId,
      identitySecret: this.identity.secretKeyBase64url,
      handle: this.currentHandle,
      identityStore: this.stores.identity.toJSON(),
      prekeys: this.stores.prekeys.toJSON(),
      sessions: this.stores.sessions.toJSON(),
      contacts: Object.fromEntries(this.contacts),
    };
  }

  private get prekeyTarget(): number {
    return this.options.oneTimePrekeys ?? 50;
  }

  /** A device without a session comes with a bundle from the Directory (which consumes one of its one-time keys). */
  private async withBundleIfNeeded(address: DeviceAddress): Promise<RecipientDevice> {
    if (await this.crypto.hasSession(address)) return address;
    return { ...address, bundle: prekeyBundleFromDevice(await this.directory.fetchDeviceBundle(address.accountId, address.deviceId)) };
  }

  private async encrypt(plaintext: Uint8Array, devices: RecipientDevice[]): Promise<DeviceEnvelope[]> {
    const result = await encryptForDevices(this.crypto, plaintext, devices, { exclude: { accountId: this.accountId, deviceId: this.deviceId } });
    const [failed] = result.failed;
    if (failed !== undefined) throw failed.error;
    return result.envelopes;
  }

  /** Answers a 409: encrypt for the missing devices (fresh bundles), drop and forget removed ones. */
  private async reconcile(plaintext: Uint8Array, to: string, mismatch: DeviceMismatch, current: readonly OutgoingEnvelope[]): Promise<OutgoingEnvelope[]> {
    const gone = new Set([...mismatch.extra, ...mismatch.stale]);
    for (const deviceId of mismatch.stale) {
      for (const accountId of new Set([to, this.accountId])) await this.crypto.forgetDevice({ accountId, deviceId });
    }
    const recipientDevices = new Set((await this.directory.listDevices(to)).map((d) => d.deviceId));
    const added: RecipientDevice[] = [];
    for (const deviceId of mismatch.missing) {
      const address: DeviceAddress = { accountId: recipientDevices.has(deviceId) ? to : this.accountId, deviceId };
      added.push(await this.withBundleIfNeeded(address));
    }
    return [...current.filter((e) => !gone.has(e.deviceId)), ...(await this.encrypt(plaintext, added))];
  }

  private async open(envelope: Envelope): Promise<ChatMessage> {
    const bytes = await this.crypto.decrypt(envelope);
    const payload = decodeChatPayload(bytes);
    if (payload === undefined) throw new Error('Not a chat message this client understands');
    if (++this.received % 20 === 0) void this.replenishPrekeys().catch(() => undefined);
    return {
      messageId: envelope.messageId,
      conversationId: envelope.conversationId,
      seq: envelope.seq,
      fromAccountId: envelope.senderAccountId,
      fromDeviceId: envelope.senderDeviceId,
      fromHandle: await this.confirmedHandle(envelope.senderAccountId, payload.fromHandle),
      own: envelope.senderAccountId === this.accountId,
      toAccountId: payload.to,
      text: payload.text,
      storedAt: envelope.sentAt,
    };
  }

  /** A claimed handle counts only when the Directory says it belongs to the sender. */
  private async confirmedHandle(accountId: string, claimed: string | undefined): Promise<string | undefined> {
    const known = this.contacts.get(accountId);
    if (claimed === undefined || known === claimed) return known;
    const found = await this.directory.lookupHandle(claimed).catch(() => null);
    if (found?.accountId !== accountId) return known;
    this.contacts.set(accountId, found.handle);
    return found.handle;
  }

  private async replenishPrekeys(): Promise<void> {
    const counts = await this.directory.keyCounts();
    if (counts.oneTimePreKeys >= this.prekeyTarget / 2 && counts.pqOneTimePreKeys >= this.prekeyTarget / 2) return;
    const upload = await this.generator.replenish(counts, this.prekeyTarget);
    if (upload !== undefined) await this.directory.uploadKeys(keyUploadFromPayload(upload));
  }
}
