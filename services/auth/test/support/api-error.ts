import { SanctumApiError } from '@sanctum/client';

/** The SanctumApiError a promise rejects with (fails the test when it resolves or throws something else). */
export async function apiError(promise: Promise<unknown>): Promise<SanctumApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SanctumApiError)) throw new Error(`expected a SanctumApiError, got ${String(error)}`);
  return error;
}
