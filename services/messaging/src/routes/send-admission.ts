import { errorBody } from '@sanctum/kernel';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** How many sends, and how many bytes of their bodies, may be in the service at once. */
export interface SendAdmissionLimits {
  readonly maxPending: number;
  readonly maxPendingBytes: number;
  /** The route's body limit: the weight of a body sent without Content-Length (chunked), and the most one body can weigh. */
  readonly bodyLimitBytes: number;
}

/** What the admission tells the rest of the service (metrics and logs). */
export interface SendAdmissionEvents {
  /** A send was refused with 503 MSG_OVERLOADED. */
  shed?: () => void;
  /** Sending went from admitting everything to shedding (true), or back (false, with how many were shed meanwhile). */
  shedding?: (shedding: boolean, shedMeanwhile: number) => void;
}

/** Seconds a shed client is told to wait (Retry-After); the client SDK's retry honours it. */
const RETRY_AFTER_S = 1;

/**
 * Admission control for the send routes: a send counts from its first byte
 * (before its body is read) until its answer is written, or, when its client
 * has gone first, until its handler ends (`whileAdmitted`); past `maxPending`
 * sends or `maxPendingBytes` of declared bodies, a new one is answered 503
 * MSG_OVERLOADED with Retry-After at once, its body unread and nothing stored.
 *
 * Why: a send holds its body (text, parsed and decoded: about three times
 * the ciphertext) until its commit answers. When sends arrive faster than the
 * disk commits them, nothing else bounds how many wait, so memory grows
 * with them (docs/messaging.md, "Admission control"). The default limits sit
 * above what the smoke generator's 1,024 connections can hold, so only an
 * overload from many more clients sheds.
 */
export class SendAdmission {
  private pendingCount = 0;
  private pendingBytesTotal = 0;
  private shedSinceAdmitting = 0;

  constructor(
    private readonly limits: SendAdmissionLimits,
    private readonly events: SendAdmissionEvents = {},
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  get pendingBytes(): number {
    return this.pendingBytesTotal;
  }

  /**
   * Admits a send of `bytes` (its Content-Length, or undefined when it has
   * none) and returns the function that releases it, or undefined when it must
   * be shed. One send over the byte limit on its own is still admitted when
   * nothing else is pending, so a large group send is never refused forever.
   */
  admit(bytes: number | undefined): (() => void) | undefined {
    const weight = Math.min(bytes ?? this.limits.bodyLimitBytes, this.limits.bodyLimitBytes);
    const full = this.pendingCount >= this.limits.maxPending || (this.pendingCount > 0 && this.pendingBytesTotal + weight > this.limits.maxPendingBytes);
    if (full) {
      if (this.shedSinceAdmitting === 0) this.events.shedding?.(true, 0);
      this.shedSinceAdmitting += 1;
      this.events.shed?.();
      return undefined;
    }
    if (this.shedSinceAdmitting > 0) {
      this.events.shedding?.(false, this.shedSinceAdmitting);
      this.shedSinceAdmitting = 0;
    }
    this.pendingCount += 1;
    this.pendingBytesTotal += weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pendingCount -= 1;
      this.pendingBytesTotal -= weight;
    };
  }
}

/** The holds on each admitted request's slot: its connection's, and its handler's while it works. */
const holds = new WeakMap<FastifyRequest, () => () => void>();

/**
 * Puts every route of `scope` behind `admission`, ahead of authentication and
 * body parsing, so a shed send costs neither. Register it in a scope holding
 * only the send routes, whose handlers run their work in `whileAdmitted`.
 */
export function installSendAdmission(scope: FastifyInstance, admission: SendAdmission): void {
  scope.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const release = admission.admit(declaredLength(request));
    if (release === undefined) {
      void reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send(errorBody('MSG_OVERLOADED', 'The service has too many sends waiting to be stored; retry with the same clientMessageId'));
      return;
    }
    // The slot is free once the connection is done with (answer written or
    // client gone) and the handler has finished: a send whose client went
    // away still holds its decoded body until its commit answers.
    let count = 0;
    const hold = (): (() => void) => {
      count += 1;
      let dropped = false;
      return () => {
        if (dropped) return;
        dropped = true;
        count -= 1;
        if (count === 0) release();
      };
    };
    holds.set(request, hold);
    reply.raw.once('close', hold());
    done();
  });
}

/** Runs a send route's work holding its admission slot, so the slot outlives a client that goes away mid-send. */
export async function whileAdmitted<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const drop = holds.get(request)?.();
  try {
    return await work();
  } finally {
    drop?.();
  }
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
