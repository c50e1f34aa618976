import { AuthClient, DeviceIdentity, MessageStream, MessagingClient, SanctumApiError } from '@sanctum/client';
import type { Envelope, Session } from '@sanctum/client';
import { CiphertextlessWebSocket } from './ciphertextless.socket.js';
import type { ServiceUrls } from './load-target.contract.js';
import { TokenRefresher } from './token.refresher.js';
import type { TokenRefresherOptions } from './token.refresher.js';

/** How many devices each account of the run has. */
export interface FleetLayout {
  /** One entry per sender account; its first device sends, the others must get a copy of each send. */
  readonly senders: readonly number[];
  /** One entry per recipient account. */
  readonly recipients: readonly number[];
}

/**
 * Four senders (1000 req/s is 250 sends per device per second) to four
 * recipients with one device each, so no single device's queue or socket
 * window is the bottleneck and "a 64 KiB send" is one 64 KiB ciphertext — the
 * workflow's unit. Multi-device fan-out is exercised by the target's tests.
 */
export const DEFAULT_FLEET_LAYOUT: FleetLayout = { senders: [1, 1, 1, 1], recipients: [1, 1, 1, 1] };

export interface FleetDevice {
  readonly accountId: string;
  readonly deviceId: string;
  readonly session: Session;
}

/** One sending device, the direct conversation it sends to, and every device a send must carry a ciphertext for. */
export interface SendRoute {
  readonly sender: FleetDevice;
  readonly conversationId: string;
  readonly deviceIds: readonly string[];
}

export interface FleetOptions {
  readonly layout?: FleetLayout;
  readonly refresh?: TokenRefresherOptions;
  /** Set-up gives up when Messaging has not caught up with the new accounts by then (default 30 s). */
  readonly setupTimeoutMs?: number;
}

/**
 * The accounts and devices `sanctum smoke` drives, set up through the real
 * flows with the client SDK: each account created with a fresh Ed25519 device
 * identity (challenge signed on the device), extra devices linked and approved
 * by the first one, sessions kept fresh by a `TokenRefresher`, every receiving
 * device connected with a `MessageStream` (which acks what it gets and
 * reconnects after a drop) for the whole run. Messaging stores opaque
 * ciphertext, so no Directory key material is needed to send.
 */
export class MessagingFleet {
  /** Called for every envelope a fleet device receives; the current scenario's session replaces it. */
  onEnvelope: (deviceId: string, envelope: Envelope) => void = () => undefined;
  private reconnectCount = 0;
  private readonly stoppedStreams: string[] = [];

  private constructor(
    readonly routes: readonly SendRoute[],
    private readonly streams: readonly MessageStream[],
    readonly refresher: TokenRefresher,
    readonly receivingDevices: number,
  ) {}

  /** Socket drops the streams recovered from, since the start. */
  get reconnects(): number {
    return this.reconnectCount;
  }

  static async enrol(urls: ServiceUrls, options: FleetOptions = {}): Promise<MessagingFleet> {
    const layout = options.layout ?? DEFAULT_FLEET_LAYOUT;
    if (layout.senders.length === 0 || layout.recipients.length === 0) throw new Error('the fleet needs at least one sender and one recipient');
    const auth = new AuthClient(urls.auth);
    const refresher = new TokenRefresher(options.refresh);
    const senders = await Promise.all(layout.senders.map((devices, i) => enrolAccount(auth, devices, `sender-${i}`)));
    const recipients = await Promise.all(layout.recipients.map((devices, i) => enrolAccount(auth, devices, `recipient-${i}`)));
    for (const device of [...senders, ...recipients].flat()) refresher.track(device.session);
    const deadline = Date.now() + (options.setupTimeoutMs ?? 30_000);
    const routes = await Promise.all(
      senders.map(async (devices, i) => {
        const [sender] = devices;
        const recipient = recipients[i % recipients.length] ?? [];
        const [recipientDevice] = recipient;
        if (sender === undefined || recipientDevice === undefined) throw new Error('every account of the fleet has at least one device');
        const messaging = new MessagingClient({ baseUrl: urls.messaging, token: () => sender.session.tokens.accessToken });
        // Messaging learns accounts and devices from Auth's event feed, a moment after Auth answered.
        const conversation = await untilCaughtUp(deadline, () => messaging.openDirect(recipientDevice.accountId));
        return { sender, conversationId: conversation.conversationId, deviceIds: [...recipient, ...devices.slice(1)].map((d) => d.deviceId) };
      }),
    );
    const byId = new Map([...senders, ...recipients].flat().map((d) => [d.deviceId, d]));
    const receivers = [...new Set(routes.flatMap((r) => r.deviceIds))].flatMap((id) => byId.get(id) ?? []);
    const fleet: MessagingFleet = new MessagingFleet(routes, receivers.map((device) => fleetStream(urls, device, () => fleet)), refresher, receivers.length);
    try {
      await fleet.start();
      await fleet.probe(urls, deadline);
    } catch (error) {
      await fleet.stop();
      throw error;
    }
    return fleet;
  }

  /** Closes every socket (acks flushed) and stops refreshing tokens. */
  async stop(): Promise<void> {
    this.refresher.stop();
    await Promise.all(this.streams.map((s) => s.stop()));
  }

  /** Streams that stopped for good (revoked, replaced), with the reason. */
  get lostStreams(): readonly string[] {
    return this.stoppedStreams;
  }

  private async start(): Promise<void> {
    for (const stream of this.streams) stream.start();
    await Promise.all(this.streams.map((s) => s.ready()));
  }

  /** One real send per route, through the SDK, until Messaging accepts the device set and every copy arrives. */
  private async probe(urls: ServiceUrls, deadline: number): Promise<void> {
    const waiting = new Set<string>();
    let done: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (done = resolve));
    this.onEnvelope = (deviceId, envelope) => {
      if (waiting.delete(`${envelope.clientMessageId}/${deviceId}`) && waiting.size === 0) done();
    };
    const tag = `probe-${Date.now().toString(36)}`;
    for (const [i, route] of this.routes.entries()) for (const deviceId of route.deviceIds) waiting.add(`${tag}-${i}/${deviceId}`);
    await Promise.all(
      this.routes.map((route, i) => {
        const messaging = new MessagingClient({ baseUrl: urls.messaging, token: () => route.sender.session.tokens.accessToken });
        const envelopes = route.deviceIds.map((deviceId) => ({ deviceId, ciphertext: crypto.getRandomValues(new Uint8Array(32)) }));
        return untilCaughtUp(deadline, () => messaging.send(route.conversationId, envelopes, { clientMessageId: `${tag}-${i}`, maxAttempts: 1 }));
      }),
    );
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    await arrived;
    clearTimeout(timer);
    this.onEnvelope = () => undefined;
    if (waiting.size > 0) throw new Error(`the recipients' sockets did not receive the set-up messages (${waiting.size} missing)`);
  }

  /** For the streams: a socket dropped, or stopped for good. */
  noteState(deviceId: string, state: string, close?: { code: number; reason: string }): void {
    if (state === 'reconnecting' && close !== undefined) this.reconnectCount += 1;
    if (state === 'stopped' && close !== undefined) this.stoppedStreams.push(`${deviceId}: closed ${close.code} ${close.reason}`);
  }
}

async function enrolAccount(auth: AuthClient, devices: number, label: string): Promise<FleetDevice[]> {
  const firstIdentity = DeviceIdentity.generate();
  const first = auth.session(await auth.createAccount({ identity: firstIdentity, deviceName: `smoke-${label}-0` }));
  const all: FleetDevice[] = [{ accountId: first.accountId, deviceId: first.deviceId, session: first }];
  for (let i = 1; i < devices; i += 1) {
    // A further device joins the way a user's second device does: it asks, the first device approves, it completes.
    const identity = DeviceIdentity.generate();
    const link = await auth.requestLink({ identity, deviceName: `smoke-${label}-${i}` });
    await auth.approveLink({ accessToken: first.tokens.accessToken, accountId: first.accountId, deviceId: first.deviceId, identity: firstIdentity, code: link.code });
    const session = auth.session(await auth.completeLink({ identity, link }));
    all.push({ accountId: session.accountId, deviceId: session.deviceId, session });
  }
  return all;
}

function fleetStream(urls: ServiceUrls, device: FleetDevice, fleet: () => MessagingFleet): MessageStream {
  return new MessageStream({
    url: urls.messaging,
    token: () => device.session.tokens.accessToken,
    WebSocket: CiphertextlessWebSocket,
    onEnvelope: (envelope) => {
      fleet().onEnvelope(device.deviceId, envelope);
    },
    onStateChange: (state, close) => {
      fleet().noteState(device.deviceId, state, close);
    },
    // Reconnect fast: while a recipient is away its envelopes wait in the queue and their delivery latency grows.
    reconnectDelayMs: { initial: 50, max: 2000 },
  });
}

/** Retries while Messaging has not yet replicated the new accounts and devices (404 account, 409 device set, 401 unknown device). */
async function untilCaughtUp<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const catchingUp = error instanceof SanctumApiError && [401, 404, 409].includes(error.status);
      if (!catchingUp || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
