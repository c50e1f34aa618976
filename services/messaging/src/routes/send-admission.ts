import { AppError, errorBody } from '@sanctum/kernel';
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

/** An admitted request's slot: freed once its connection is done with and no handler works for it. */
class Slot {
  private connectionClosed = false;
  private handlerRunning = false;

  constructor(private readonly release: () => void) {}

  /** The answer was written or the client is gone. */
  closeConnection(): void {
    this.connectionClosed = true;
    if (!this.handlerRunning) this.release();
  }

  /** False when the client is already gone: the work is not worth doing. */
  startHandler(): boolean {
    if (this.connectionClosed) return false;
    this.handlerRunning = true;
    return true;
  }

  endHandler(): void {
    this.handlerRunning = false;
    if (this.connectionClosed) this.release();
  }
}

const slots = new WeakMap<FastifyRequest, Slot>();

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
    const slot = new Slot(release);
    slots.set(request, slot);
    // 'close' comes once the answer is written or the client is gone, whichever is first.
    reply.raw.once('close', () => {
      slot.closeConnection();
    });
    done();
  });
}

/**
 * Runs a send route's work holding its admission slot: a send whose client
 * goes away mid-work keeps the slot (it still holds its decoded body) until
 * the work ends. A send whose client went away before its handler started
 * is not stored at all: nobody waits for its answer, and a retry with the
 * same clientMessageId stores it then.
 */
export async function whileAdmitted<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const slot = slots.get(request);
  if (slot === undefined) return work();
  if (!slot.startHandler()) throw new AppError('MSG_CLIENT_GONE', 'The client closed the connection before the send was handled; nothing was stored', 499);
  try {
    return await work();
  } finally {
    slot.endHandler();
  }
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
