import { describe, expect, it } from 'vitest';
import { onStopSignal, stopSignalExitCode } from '../src/lib/process/stop-signal.js';
import type { StopSignal } from '../src/lib/process/stop-signal.js';

// process.emit runs the listeners without a real signal, so the test runner is never at risk.
describe('stop signals', () => {
  it('stops once on the first SIGINT or SIGTERM, ignores an impatient second one, and lets go when done', () => {
    const listeners = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const received: StopSignal[] = [];
    const stopListening = onStopSignal((signal) => received.push(signal));
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT');
    expect(received).toEqual(['SIGTERM']);
    stopListening();
    expect({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }).toEqual(listeners);
  });

  it('exits as a shell reports a process the signal ended: 130 for SIGINT, 143 for SIGTERM', () => {
    expect(stopSignalExitCode('SIGINT')).toBe(130);
    expect(stopSignalExitCode('SIGTERM')).toBe(143);
  });
});
