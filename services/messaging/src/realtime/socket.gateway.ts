import { InProcessBus } from '@sanctum/kernel';
import type { AccessClaims, NotificationBus, RevocationList } from '@sanctum/kernel';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import type { MessagingMetrics } from '../metrics/messaging.metrics.js';
import type { StoredEnvelope } from '../store/queue.store.js';
import type { ReplicaEffect } from '../store/replica.store.js';
import { DeviceConnection } from './device-connection.js';
import type { DeviceConnectionDeps } from './device-connection.js';
import { CLOSE_CODES } from './socket.protocol.js';

/** What instances tell each other about a device, on its bus channel. */
type DeviceSignal =
  | { type: 'wake'; from: string }
  | { type: 'takeover'; from: string; connectionId: string; connectedAt: number };

export function deviceChannel(deviceId: string): string {
  return `messaging.device.${deviceId}`;
}

export interface SocketGatewayOptions {
  readonly bus: NotificationBus;
  /** Tells this instance's own bus messages apart from other instances'. */
  readonly instanceId: string;
  readonly metrics: MessagingMetrics;
  readonly revocations: RevocationList;
  readonly connection: DeviceConnectionDeps;
  readonly logger: Pick<FastifyBaseLogger, 'warn' | 'debug'>;
}

/**
 * The device sockets of this instance: at most one per device (a newer one,
 * here or on another instance, replaces it), woken through the bus when
 * another instance stores an envelope for it, closed when Auth revokes it, and
 * pinged so dead peers are dropped.
 */
export class SocketGateway {
  private readonly byDevice = new Map<string, DeviceConnection>();
  private readonly subscriptions = new Map<string, Promise<() => Promise<void>>>();
  private readonly heartbeat: NodeJS.Timeout;

  /** False on the embedded default (in-process bus): every socket is here, so there is nobody to wake elsewhere. */
  private readonly crossInstance: boolean;

  constructor(private readonly options: SocketGatewayOptions) {
    this.crossInstance = !(options.bus instanceof InProcessBus);
    this.heartbeat = setInterval(() => {
      for (const connection of this.byDevice.values()) connection.heartbeat();
    }, options.connection.heartbeatMs).unref();
  }

  get size(): number {
    return this.byDevice.size;
  }

  /** Whether this instance holds an open socket for the device. */
  isConnected(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }

  /** Takes over a freshly upgraded socket. */
  async attach(socket: WebSocket, claims: AccessClaims): Promise<void> {
    const connection = new DeviceConnection(socket, claims, this.options.connection);
    const previous = this.byDevice.get(claims.deviceId);
    this.byDevice.set(claims.deviceId, connection);
    this.options.metrics.openSockets.set(this.byDevice.size);
    previous?.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
    connection.onClose(() => {
      if (this.byDevice.get(claims.deviceId) !== connection) return;
      this.byDevice.delete(claims.deviceId);
      this.options.metrics.openSockets.set(this.byDevice.size);
      void this.unsubscribe(claims.deviceId);
    });
    // Subscribe before the first read: whatever commits later wakes us, whatever committed earlier is read.
    await this.subscribe(claims.deviceId);
    if (connection.isClosed) return;
    const signal: DeviceSignal = { type: 'takeover', from: this.options.instanceId, connectionId: connection.id, connectedAt: connection.connectedAt };
    await this.options.bus.publish(deviceChannel(claims.deviceId), signal).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'could not announce the connection to other instances');
    });
    connection.start();
  }

  /**
   * These envelopes were committed on this instance: push them to local
   * sockets, and wake other instances. Alone (no shared bus), this instance
   * stores every envelope, so a socket may push them from memory; with
   * others, one of theirs may hold a smaller id not yet read, so the socket
   * reads its queue instead.
   */
  stored(envelopes: readonly StoredEnvelope[]): void {
    for (const envelope of envelopes) {
      const deviceId = envelope.device_id;
      const connection = this.byDevice.get(deviceId);
      if (!this.crossInstance) {
        connection?.offer(envelope);
        continue;
      }
      connection?.wake();
      const signal: DeviceSignal = { type: 'wake', from: this.options.instanceId };
      this.options.bus.publish(deviceChannel(deviceId), signal).catch((error: unknown) => {
        // Only a wake-up: the envelope is stored and reaches the device on its next read or reconnect.
        this.options.logger.warn({ err: error }, 'could not publish a wake-up');
      });
    }
  }

  /** Applies what Auth revoked: the tokens are refused from now on, and the sockets close. */
  revoke(effects: readonly ReplicaEffect[], atS: number): void {
    for (const effect of effects) {
      if (effect.kind === 'device') this.options.revocations.revoke('device', effect.deviceId, atS);
      if (effect.kind === 'session') this.options.revocations.revoke('session', effect.sessionId, atS);
      if (effect.kind === 'account') this.options.revocations.revoke('account', effect.accountId, atS);
      for (const connection of [...this.byDevice.values()]) {
        const { claims } = connection;
        const hit =
          (effect.kind === 'device' && claims.deviceId === effect.deviceId) ||
          (effect.kind === 'session' && claims.sessionId === effect.sessionId) ||
          (effect.kind === 'account' && claims.accountId === effect.accountId);
        if (hit) connection.close(CLOSE_CODES.revoked, `${effect.kind} revoked`);
      }
    }
  }

  /** Shutdown: every socket is told the server is going away; queued envelopes wait in the database. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const connection of [...this.byDevice.values()]) connection.close(CLOSE_CODES.goingAway, 'server shutting down');
    await Promise.allSettled([...this.subscriptions.keys()].map((deviceId) => this.unsubscribe(deviceId)));
  }

  private async subscribe(deviceId: string): Promise<void> {
    let subscription = this.subscriptions.get(deviceId);
    if (subscription === undefined) {
      subscription = this.options.bus.subscribe(deviceChannel(deviceId), (message) => {
        this.onSignal(deviceId, message as DeviceSignal);
      });
      this.subscriptions.set(deviceId, subscription);
    }
    await subscription;
  }

  private async unsubscribe(deviceId: string): Promise<void> {
    const subscription = this.subscriptions.get(deviceId);
    if (subscription === undefined || this.byDevice.has(deviceId)) return;
    this.subscriptions.delete(deviceId);
    const stop = await subscription.catch(() => undefined);
    await stop?.().catch(() => undefined);
  }

  private onSignal(deviceId: string, signal: DeviceSignal): void {
    if (signal.from === this.options.instanceId) return;
    const connection = this.byDevice.get(deviceId);
    if (connection === undefined) return;
    if (signal.type === 'wake') connection.wake();
    else if (signal.connectionId !== connection.id && signal.connectedAt >= connection.connectedAt) {
      connection.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
    }
  }
}
