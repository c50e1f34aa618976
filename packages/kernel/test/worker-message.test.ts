import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { untilWorkerMessage } from '../src/service/worker-message.js';

/** A worker that posts 'a', then 'b', then waits for any message to post 'stopped' and end. */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.postMessage('a');
parentPort.postMessage('b');
parentPort.on('message', () => { parentPort.postMessage('stopped'); process.exit(0); });
`;

describe('untilWorkerMessage', () => {
  it('resolves at the first message it accepts, skipping others, and stops listening', async () => {
    const worker = new Worker(SOURCE, { eval: true });
    const seen: unknown[] = [];
    await untilWorkerMessage(worker, (m) => {
      seen.push(m);
      return m === 'b';
    });
    expect(seen).toEqual(['a', 'b']);
    expect(worker.listenerCount('message')).toBe(0);
    expect(worker.listenerCount('exit')).toBe(0);
    const stopped = untilWorkerMessage(worker, (m) => m === 'stopped');
    worker.postMessage('stop');
    await stopped;
    expect(worker.listenerCount('message')).toBe(0);
  });

  it('resolves when the worker exits without the message', async () => {
    const worker = new Worker('process.exit(0)', { eval: true });
    await untilWorkerMessage(worker, (m) => m === 'never sent');
    expect(worker.listenerCount('exit')).toBe(0);
  });
});
