/**
 * The one error type every Sanctum service throws for an expected failure.
 *
 * `code` is stable and machine-readable (prefixed per service: `AUTH_`, `DIR_`,
 * `MSG_`, `GATE_`, or `REQ_` for generic request problems) and is listed in
 * docs/error-codes.md; a test keeps that list in step with the code.
 *
 * @example
 * throw new AppError('DIR_HANDLE_TAKEN', 'That handle is already claimed', 409);
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    /** Extra machine-readable facts for the client (for example which devices are missing). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
