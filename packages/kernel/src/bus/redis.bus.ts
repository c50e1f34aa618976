import { Redis } from 'ioredis';
import { HandlerRegistry } from './notification-bus.js';
import type { BusHandler, NotificationBus } from './notification-bus.js';

/**
 * Cross-instance notifications over Redis pub/sub. Redis needs a connection of
 * its own for subscribing, so this holds two.
 */
export class RedisBus implements NotificationBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly registry = new HandlerRegistry();

  constructor(url: string, private readonly prefix = 'sanctum:') {
    const options = { maxRetriesPerRequest: 3, lazyConnect: false };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    // Connection errors surface through ping() and /readyz; ioredis reconnects by itself.
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, payload: string) => {
      let message: unknown;
      try {
        message = JSON.parse(payload);
      } catch {
        return; // Not ours: someone else published on our prefix.
      }
      this.registry.deliver(channel.slice(this.prefix.length), message);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.publisher.publish(this.prefix + channel, JSON.stringify(message));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.registry.add(channel, handler)) await this.subscriber.subscribe(this.prefix + channel);
    return async () => {
      if (this.registry.remove(channel, handler)) await this.subscriber.unsubscribe(this.prefix + channel);
    };
  }

  async ping(): Promise<void> {
    await this.publisher.ping();
  }

  async close(): Promise<void> {
    this.registry.clear();
    await Promise.allSettled([this.publisher.quit(), this.subscriber.quit()]);
  }
}
