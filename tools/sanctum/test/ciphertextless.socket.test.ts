import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CiphertextlessWebSocket, withoutCiphertext } from '../src/lib/load/ciphertextless.socket.js';

const envelopeFrame = (ciphertext: string): string =>
  JSON.stringify({ type: 'envelope', envelope: { id: 7, clientMessageId: 'cm-1', ciphertext, sentAt: 1 } });

describe('the fleet recipients’ socket', () => {
  it('cuts the ciphertext value out of a frame and leaves other frames alone', () => {
    const cut = JSON.parse(withoutCiphertext(Buffer.from(envelopeFrame('A'.repeat(90_000)))).toString()) as { envelope: Record<string, unknown> };
    expect(cut.envelope).toEqual({ id: 7, clientMessageId: 'cm-1', ciphertext: '', sentAt: 1 });
    const hello = Buffer.from('{"type":"hello"}');
    expect(withoutCiphertext(hello)).toBe(hello);
    const unterminated = Buffer.from('{"ciphertext":"abc');
    expect(withoutCiphertext(unterminated)).toBe(unterminated);
  });

  it('hands text frames to onmessage without their ciphertext, over a real socket', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    server.on('connection', (socket) => {
      socket.send(envelopeFrame('Zm9v'.repeat(20_000)));
    });
    try {
      const client = new CiphertextlessWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const data = await new Promise<unknown>((resolve) => {
        client.onmessage = (event) => {
          resolve(event.data);
        };
      });
      client.close();
      expect(JSON.parse(String(data))).toMatchObject({ type: 'envelope', envelope: { id: 7, clientMessageId: 'cm-1', ciphertext: '' } });
    } finally {
      server.close();
    }
  });
});
