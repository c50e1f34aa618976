/** Receives one published message (already decoded from JSON). */
export type BusHandler = (message: unknown) => void;

/**
 * Fire-and-forget notifications between instances ("a message for device X was
 * stored", "session Y was revoked"). It is a wake-up signal, not a store:
 * anything that must not be lost is written to a database first.
 *
 * @example
 * const stop = await bus.subscribe('device:123', (m) => wake(m));
 * await bus.publish('device:123', { seq: 42 });
 */
export interface NotificationBus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once the subscription is active; the result unsubscribes. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  /** Rejects when the bus is unreachable (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Keeps the handlers of each channel; shared by the implementations. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  /** Returns true when this is the channel's first handler (the caller subscribes upstream). */
  add(channel: string, handler: BusHandler): boolean {
    let set = this.handlers.get(channel);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    return first;
  }

  /** Returns true when the channel has no handler left (the caller unsubscribes upstream). */
  remove(channel: string, handler: BusHandler): boolean {
    const set = this.handlers.get(channel);
    if (set === undefined) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.handlers.delete(channel);
    return true;
  }

  deliver(channel: string, message: unknown): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(message);
  }

  clear(): void {
    this.handlers.clear();
  }
}
