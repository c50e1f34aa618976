import { AppError } from '@sanctum/kernel/core';

/** An error as it crosses from the writer thread: what the caller's handlers look at, as plain data. */
export interface TransportedError {
  readonly message: string;
  /** An AppError's code, or the driver's (SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY …). */
  readonly code?: string;
  /** Set for an AppError only. */
  readonly statusCode?: number;
  readonly details?: Record<string, unknown>;
}

/**
 * Structured clone keeps an error's message but drops its own fields, and
 * the callers decide on exactly those: an AppError's code and status (the
 * 4xx answer) and the driver's code (a unique violation means "replay").
 */
export function packError(error: unknown): TransportedError {
  if (error instanceof AppError) {
    return { message: error.message, code: error.code, statusCode: error.statusCode, ...(error.details === undefined ? {} : { details: error.details }) };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { message, code } : { message };
}

export function unpackError(packed: TransportedError): Error {
  if (packed.statusCode !== undefined && packed.code !== undefined) {
    return new AppError(packed.code, packed.message, packed.statusCode, packed.details);
  }
  return Object.assign(new Error(packed.message), packed.code === undefined ? {} : { code: packed.code });
}
