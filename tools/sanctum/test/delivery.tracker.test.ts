import { AuthClient } from '@sanctum/client';
import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from '../src/lib/load/delivery.tracker.js';
import { SendBodyBuilder } from '../src/lib/load/send-body.builder.js';
import { TokenRefresher } from '../src/lib/load/token.refresher.js';

function tracker() {
  const recorded: [number, number][] = [];
  return { recorded, tracker: new DeliveryTracker((ms, index) => recorded.push([ms, index])) };
}

describe('DeliveryTracker', () => {
  it('counts the copies of 2xx sends, whether they arrive before or after the answer, and records latency from the intended time', () => {
    const { tracker: t, recorded } = tracker();
    t.sent('a', 0, 100, ['d1', 'd2']);
    expect(t.received('d1', 'a', 130)).toBe(true); // before the 201
    t.settled('a', 'ok');
    expect(t.received('d2', 'a', 150)).toBe(true); // after it
    expect(t.received('d2', 'a', 160)).toBe(false); // a redelivery counts once
    expect([t.expected, t.delivered]).toEqual([2, 2]);
    expect(recorded).toEqual([
      [30, 0],
      [50, 0],
    ]);
  });

  it('expects nothing from refused sends, still matches copies of sends whose fate is unknown, and ignores strangers', () => {
    const { tracker: t, recorded } = tracker();
    t.sent('refused', 0, 0, ['d1']);
    t.settled('refused', 'refused');
    expect(t.received('d1', 'refused', 5)).toBe(false);
    t.sent('timed-out', 1, 0, ['d1']);
    t.settled('timed-out', 'unknown');
    expect(t.received('d1', 'timed-out', 7)).toBe(true);
    expect(t.received('d1', 'warm-up', 9)).toBe(false);
    t.settled('never-sent', 'ok');
    expect([t.expected, t.delivered]).toEqual([0, 0]);
    expect(recorded).toEqual([[7, 1]]);
  });

  it('waits for missing copies until they arrive, or gives up after the grace period', async () => {
    const { tracker: t } = tracker();
    t.sent('a', 0, 0, ['d1']);
    t.settled('a', 'ok');
    setTimeout(() => t.received('d1', 'a', 1), 30);
    const started = Date.now();
    await t.drained(5000);
    expect(Date.now() - started).toBeLessThan(1000);
    t.sent('b', 1, 0, ['d1']);
    t.settled('b', 'ok');
    const again = Date.now();
    await t.drained(150);
    expect(Date.now() - again).toBeGreaterThanOrEqual(140);
    expect([t.expected, t.delivered]).toEqual([2, 1]);
  });
});

describe('SendBodyBuilder', () => {
  it('builds the JSON the send route takes: one base64url ciphertext of the exact size per device, and the clientMessageId', () => {
    const builder = new SendBodyBuilder(65_536);
    const pieces = builder.chunks('run.load-64k.7', builder.devicePrefixes(['dev-a', 'dev-"b']), 7);
    const joined = Buffer.concat(pieces.chunks);
    // Their length is the content-length the request declares.
    expect(pieces.length).toBe(joined.length);
    const body = JSON.parse(joined.toString()) as {
      clientMessageId: string;
      envelopes: { deviceId: string; ciphertext: string }[];
    };
    expect(body.clientMessageId).toBe('run.load-64k.7');
    expect(body.envelopes.map((e) => e.deviceId)).toEqual(['dev-a', 'dev-"b']);
    for (const envelope of body.envelopes) {
      expect(envelope.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(envelope.ciphertext, 'base64url')).toHaveLength(65_536);
    }
    // Two devices never get the same bytes in one send.
    expect(body.envelopes[0]?.ciphertext).not.toBe(body.envelopes[1]?.ciphertext);
    // Few pieces (undici writes each with a system call): the head, then per device its ciphertext and what joins the next.
    expect(pieces.chunks).toHaveLength(4);
    const single = builder.chunks('run.load-64k.8', builder.devicePrefixes(['dev-a']), 8);
    expect(single.chunks).toHaveLength(2);
    expect(JSON.parse(Buffer.concat(single.chunks).toString())).toMatchObject({ clientMessageId: 'run.load-64k.8', envelopes: [{ deviceId: 'dev-a' }] });
    expect(() => builder.devicePrefixes([])).toThrow(/at least one device/);
    expect(() => new SendBodyBuilder(0)).toThrow(/at least one byte/);
  });
});

describe('TokenRefresher', () => {
  it('retries a failed refresh and reports the error, and stops when told', async () => {
    // Auth is unreachable here, so every refresh fails; the session keeps its current tokens meanwhile.
    const session = new AuthClient('http://127.0.0.1:1').session({
      accountId: 'a',
      deviceId: 'd',
      sessionId: 's',
      tokenType: 'Bearer',
      accessToken: 'current',
      accessTokenExpiresAt: Date.now() + 600_000,
      refreshToken: 'r',
      refreshTokenExpiresAt: Date.now() + 600_000,
    });
    const errors: unknown[] = [];
    const refresher = new TokenRefresher({ everyMs: 10, retryMs: 10, onError: (e) => errors.push(e) });
    refresher.track(session);
    const deadline = Date.now() + 5000;
    while (refresher.failures < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    refresher.stop();
    expect(refresher.failures).toBeGreaterThanOrEqual(2);
    expect(refresher.refreshes).toBe(0);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(session.tokens.accessToken).toBe('current');
  });
});
