import Type from 'typebox';
import type { Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { EnvelopeHeader } from '../domain/queue.service.js';
import { EnvelopeSchema } from '../routes/schemas.js';

/**
 * The WebSocket protocol of `GET /v1/stream` (docs/messaging.md describes it
 * in prose). Every frame is one JSON text message with a `type`.
 */

/** The subprotocol the server speaks; a browser offers it beside `sanctum.bearer.<access token>`. */
export const STREAM_SUBPROTOCOL = 'sanctum.v1';
/** Prefix of the subprotocol that carries the access token (browsers cannot set headers on a WebSocket). */
export const BEARER_SUBPROTOCOL_PREFIX = 'sanctum.bearer.';

/** Close codes the server uses; clients decide from them whether to reconnect. */
export const CLOSE_CODES = {
  /** The server is shutting down: reconnect (to another instance) after a short pause. */
  goingAway: 1001,
  /** Unexpected server error: reconnect with backoff. */
  internalError: 1011,
  /** The client sent a frame that is not valid JSON or not a known message: fix the client. */
  badFrame: 4400,
  /** The access token expired: get a fresh one and reconnect. */
  tokenExpired: 4401,
  /** The device, session or account was revoked: do not reconnect with this token. */
  revoked: 4403,
  /** A newer connection for the same device replaced this one: do not reconnect automatically. */
  replaced: 4409,
} as const;

export const HelloFrame = Type.Object(
  {
    type: Type.Literal('hello'),
    accountId: Type.String(),
    deviceId: Type.String(),
    /** At most this many envelopes are pushed before acks are needed. */
    window: Type.Integer(),
    /** The server pings this often; a peer that misses a pong is dropped. */
    heartbeatMs: Type.Integer(),
  },
  { additionalProperties: false },
);

export const EnvelopeFrame = Type.Object({ type: Type.Literal('envelope'), envelope: EnvelopeSchema }, { additionalProperties: false });

const ENVELOPE_FRAME_END = '"}}';

/**
 * An envelope frame as the UTF-8 bytes of its JSON, built around the
 * ciphertext rather than through `JSON.stringify`: base64url never needs
 * escaping, and stringifying an 87 KB string and then encoding the result to
 * UTF-8 scanned and copied it twice more — about 200 µs of event-loop time per
 * 64 KiB push against 30–50 µs this way (docs/benchmarks.md). The same JSON
 * as `JSON.stringify({ type: 'envelope', envelope: { ...header, ciphertext } })`.
 */
export function envelopeFrameBytes(header: EnvelopeHeader, ciphertext: Uint8Array): Buffer {
  const head = `{"type":"envelope","envelope":${JSON.stringify(header).slice(0, -1)},"ciphertext":"`;
  const text = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength).toString('base64url');
  const headBytes = Buffer.byteLength(head);
  const frame = Buffer.allocUnsafe(headBytes + text.length + ENVELOPE_FRAME_END.length);
  frame.write(head, 0, 'utf8');
  frame.write(text, headBytes, 'latin1');
  frame.write(ENVELOPE_FRAME_END, headBytes + text.length, 'latin1');
  return frame;
}

/** Everything queued when the socket opened has been sent; what follows is new. Sent once per connection. */
export const QueueEmptyFrame = Type.Object({ type: Type.Literal('queue_empty') }, { additionalProperties: false });

export const PongFrame = Type.Object({ type: Type.Literal('pong') }, { additionalProperties: false });

export const ErrorFrame = Type.Object(
  { type: Type.Literal('error'), code: Type.String(), message: Type.String() },
  { additionalProperties: false },
);

export const ServerFrame = Type.Union([HelloFrame, EnvelopeFrame, QueueEmptyFrame, PongFrame, ErrorFrame]);
export type ServerFrame = Static<typeof ServerFrame>;

/** Acknowledges one or more envelopes by id; they are deleted from the queue. Unknown ids are ignored. */
export const AckFrame = Type.Object(
  { type: Type.Literal('ack'), ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

/** Application-level liveness check (browsers cannot see protocol pings); answered with `pong`. */
export const PingFrame = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false });

export const ClientFrame = Type.Union([AckFrame, PingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;

const clientFrameValidator = Compile(ClientFrame);

/** Parses a client frame; undefined when it is not valid JSON or not a known message. */
export function parseClientFrame(data: string): ClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  return clientFrameValidator.Check(value) ? value : undefined;
}
