interface Pending {
  readonly index: number;
  readonly intendedAt: number;
  /** Devices whose copy has not arrived yet. */
  readonly waiting: Set<string>;
  readonly copies: number;
  arrived: number;
  state: 'sending' | 'ok' | 'failed';
}

/**
 * Matches envelopes arriving on the recipients' sockets with the sends that
 * stored them (by clientMessageId), for one scenario: each first arrival per
 * device gives a send-to-delivery latency from the request's intended time,
 * and the counts say whether every envelope a 2xx stored was delivered. An
 * envelope may arrive before its send's answer, so entries exist from dispatch.
 */
export class DeliveryTracker {
  private readonly pending = new Map<string, Pending>();
  private expectedCount = 0;
  private deliveredCount = 0;
  private waiter: (() => void) | undefined;

  constructor(private readonly record: (latencyMs: number, index: number) => void) {}

  get expected(): number {
    return this.expectedCount;
  }

  get delivered(): number {
    return this.deliveredCount;
  }

  /** A send is about to go out to these devices. */
  sent(clientMessageId: string, index: number, intendedAt: number, deviceIds: readonly string[]): void {
    this.pending.set(clientMessageId, { index, intendedAt, waiting: new Set(deviceIds), copies: deviceIds.length, arrived: 0, state: 'sending' });
  }

  /**
   * The send's answer. Only a 2xx adds to what must be delivered; a 4xx
   * stored nothing; anything else (5xx, timeout, reset) may have been stored,
   * so its envelopes are still matched if they come.
   */
  settled(clientMessageId: string, outcome: 'ok' | 'refused' | 'unknown'): void {
    const entry = this.pending.get(clientMessageId);
    if (entry === undefined) return;
    if (outcome === 'refused') {
      this.pending.delete(clientMessageId);
      return;
    }
    entry.state = outcome === 'ok' ? 'ok' : 'failed';
    if (outcome === 'ok') {
      this.expectedCount += entry.copies;
      this.deliveredCount += entry.arrived;
    }
    if (entry.waiting.size === 0) this.pending.delete(clientMessageId);
    this.wake();
  }

  /** An envelope reached `deviceId`'s socket; false when it is not one of this scenario's (a warm-up, a redelivery). */
  received(deviceId: string, clientMessageId: string, now: number): boolean {
    const entry = this.pending.get(clientMessageId);
    if (entry?.waiting.delete(deviceId) !== true) return false;
    entry.arrived += 1;
    this.record(now - entry.intendedAt, entry.index);
    if (entry.state === 'ok') this.deliveredCount += 1;
    if (entry.waiting.size === 0 && entry.state !== 'sending') this.pending.delete(clientMessageId);
    this.wake();
    return true;
  }

  /** Resolves when every envelope of every 2xx send has arrived, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.deliveredCount < this.expectedCount && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(100, Math.max(1, deadline - Date.now())));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  private wake(): void {
    if (this.deliveredCount >= this.expectedCount) this.waiter?.();
  }
}
