import { HandlerRegistry } from './notification-bus.js';
import type { BusHandler, NotificationBus } from './notification-bus.js';

/**
 * The embedded default: one instance per service, so notifications never need
 * to leave the process. Messages are cloned through JSON so a handler sees
 * exactly what it would see over Redis, and delivered on a later tick.
 */
export class InProcessBus implements NotificationBus {
  private readonly registry = new HandlerRegistry();

  async publish(channel: string, message: unknown): Promise<void> {
    const copy: unknown = JSON.parse(JSON.stringify(message));
    queueMicrotask(() => {
      this.registry.deliver(channel, copy);
    });
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    this.registry.add(channel, handler);
    return async () => {
      this.registry.remove(channel, handler);
    };
  }

  async ping(): Promise<void> {
    // Always reachable.
  }

  async close(): Promise<void> {
    this.registry.clear();
  }
}
