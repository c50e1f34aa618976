/**
 * An error answer from a Sanctum service, with the stable code from
 * docs/error-codes.md so callers can branch on it.
 */
export class SanctumApiError extends Error {
  override readonly name = 'SanctumApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds to wait, from `Retry-After` on 429/503. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}
