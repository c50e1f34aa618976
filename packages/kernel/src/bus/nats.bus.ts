import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { HandlerRegistry } from './notification-bus.js';
import type { BusHandler, NotificationBus } from './notification-bus.js';

/**
 * Cross-instance notifications over NATS core subjects, for deployments that
 * run NATS rather than Redis. Channel names map to subjects under a prefix.
 */
export class NatsBus implements NotificationBus {
  private readonly registry = new HandlerRegistry();
  private readonly subscriptions = new Map<string, Subscription>();

  private constructor(
    private readonly connection: NatsConnection,
    private readonly prefix: string,
  ) {}

  /** Connects (and keeps reconnecting) to the NATS server at `url`, e.g. nats://127.0.0.1:4222. */
  static async connect(url: string, prefix = 'sanctum.'): Promise<NatsBus> {
    const { hostname, port } = new URL(url);
    const connection = await connect({ servers: `${hostname}:${port || '4222'}`, maxReconnectAttempts: -1 });
    return new NatsBus(connection, prefix);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.connection.publish(this.subject(channel), JSON.stringify(message));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.registry.add(channel, handler)) {
      const subscription = this.connection.subscribe(this.subject(channel), {
        callback: (error, msg) => {
          if (error !== null) return;
          let decoded: unknown;
          try {
            decoded = msg.json();
          } catch {
            return; // Not ours: someone else published on our prefix.
          }
          this.registry.deliver(channel, decoded);
        },
      });
      this.subscriptions.set(channel, subscription);
      // The subscription is active once the server has seen it.
      await this.connection.flush();
    }
    return async () => {
      if (this.registry.remove(channel, handler)) {
        this.subscriptions.get(channel)?.unsubscribe();
        this.subscriptions.delete(channel);
      }
    };
  }

  async ping(): Promise<void> {
    await this.connection.rtt();
  }

  async close(): Promise<void> {
    this.registry.clear();
    await this.connection.drain().catch(() => undefined);
  }

  /** NATS subjects are dot-separated tokens; keep channel names (which use ':') as one token. */
  private subject(channel: string): string {
    return this.prefix + channel.replace(/[.\s*>]/g, '_');
  }
}
