import { describe, expect, it } from 'vitest';
import { EventNotifier } from '../../src/domain/event-notifier.js';

describe('event notifier', () => {
  it('wakes a registered waiter, even one woken before it started waiting', async () => {
    const notifier = new EventNotifier();
    const early = notifier.waiter();
    notifier.wakeAll();
    await early.wait(60_000);
    const late = notifier.waiter();
    const waiting = late.wait(60_000);
    expect(notifier.waiting).toBe(1);
    notifier.wakeAll();
    await waiting;
    expect(notifier.waiting).toBe(0);
  });

  it('stops waiting on timeout or abort, and cancel unregisters', async () => {
    const notifier = new EventNotifier();
    const timed = notifier.waiter();
    await timed.wait(1);
    const controller = new AbortController();
    const abortable = notifier.waiter();
    const aborted = abortable.wait(60_000, controller.signal);
    controller.abort();
    await aborted;
    const alreadyAborted = notifier.waiter();
    await alreadyAborted.wait(60_000, controller.signal);
    expect(notifier.waiting).toBe(3);
    for (const waiter of [timed, abortable, alreadyAborted]) waiter.cancel();
    expect(notifier.waiting).toBe(0);
  });

  it('releases everyone at close, including later waiters', async () => {
    const notifier = new EventNotifier();
    const waiting = notifier.waiter().wait(60_000);
    notifier.close();
    await waiting;
    await notifier.waiter().wait(60_000);
  });
});
