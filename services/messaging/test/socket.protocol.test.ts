import { describe, expect, it } from 'vitest';
import type { EnvelopeHeader } from '../src/domain/queue.service.js';
import { envelopeFrameBytes } from '../src/realtime/socket.protocol.js';

const header: EnvelopeHeader = {
  id: 42,
  messageId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  conversationId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c',
  seq: 7,
  senderAccountId: 'acc',
  senderDeviceId: 'dev',
  // A client chooses this id: quotes, a backslash, a line break and non-ASCII must survive.
  clientMessageId: 'q"\\\nü→😀',
  sentAt: 1_764_547_200_000,
};

describe('envelope frames', () => {
  it.each([0, 1, 2, 3, 1024, 64 * 1024])('encode the same JSON as JSON.stringify for a %i-byte ciphertext', (size) => {
    const ciphertext = new Uint8Array(size).map((_, i) => (i * 37 + 11) & 0xff);
    const frame = envelopeFrameBytes(header, ciphertext);
    const expected = JSON.stringify({ type: 'envelope', envelope: { ...header, ciphertext: Buffer.from(ciphertext).toString('base64url') } });
    expect(frame.toString('utf8')).toBe(expected);
    expect(frame.length).toBe(Buffer.byteLength(expected));
  });

  it('reads only the view it is given when the ciphertext is a slice of a larger buffer', () => {
    const pool = Buffer.from('xxABCDyy');
    const frame = JSON.parse(envelopeFrameBytes(header, pool.subarray(2, 6)).toString('utf8')) as { envelope: { ciphertext: string } };
    expect(Buffer.from(frame.envelope.ciphertext, 'base64url').toString()).toBe('ABCD');
  });
});
