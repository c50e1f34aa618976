import WebSocket from 'ws';

const CIPHERTEXT_KEY = Buffer.from('"ciphertext":"');
const QUOTE = 0x22;

/**
 * A frame with its ciphertext value cut out (`"ciphertext":""`), or the frame
 * itself when it has none. Base64url never contains a quote, so the value
 * ends at the next one.
 */
export function withoutCiphertext(frame: Buffer): Buffer {
  const at = frame.indexOf(CIPHERTEXT_KEY);
  if (at < 0) return frame;
  const start = at + CIPHERTEXT_KEY.length;
  const end = frame.indexOf(QUOTE, start);
  if (end < 0) return frame;
  return Buffer.concat([frame.subarray(0, start), frame.subarray(end)]);
}

/**
 * ws's WebSocket for the load fleet's recipient devices: every byte still
 * crosses the socket, but envelope frames reach the SDK's MessageStream
 * without their ciphertext. The fleet only needs an envelope's id (to ack)
 * and client message id (to time the delivery); turning each 87 KB frame of a
 * 64 KiB scenario into a string and parsing it cost the generator, which
 * shares two cores with the services, a fifth of its CPU and most of its
 * garbage-collection pauses — pauses that then showed up as dispatch lag.
 */
export class CiphertextlessWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    // The frames come from our own server over loopback, and their bulk (the ciphertext) is dropped unread.
    super(address, protocols, { skipUTF8Validation: true });
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    // ws emits ('message', data, isBinary); text frames arrive as one Buffer.
    if (event === 'message' && args[1] === false && Buffer.isBuffer(args[0])) args[0] = withoutCiphertext(args[0]);
    return super.emit(event, ...args);
  }
}
