import { AppError } from '@sanctum/kernel';

export const HANDLE_MIN_LENGTH = 3;
export const HANDLE_MAX_LENGTH = 32;

/**
 * Words no one may claim, compared after dots and underscores are removed, so
 * `ad.min` and `support_` are refused too. Any handle whose skeleton starts
 * with `sanctum` is refused as well (no impersonating the operator).
 */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set([
  'admin',
  'administrator',
  'root',
  'support',
  'help',
  'helpdesk',
  'security',
  'abuse',
  'postmaster',
  'hostmaster',
  'webmaster',
  'system',
  'sysadmin',
  'staff',
  'team',
  'official',
  'moderator',
  'mod',
  'operator',
  'owner',
  'info',
  'contact',
  'billing',
  'api',
  'www',
  'mail',
  'noreply',
  'null',
  'undefined',
  'anonymous',
  'everyone',
  'all',
  'me',
  'signal',
]);

/**
 * Turns user input into the stored form of a handle: Unicode NFKC (so
 * full-width and compatibility characters collapse onto their plain forms),
 * then lower case. What comes out must only use `[a-z0-9_.]`, so no
 * look-alike letters from other scripts can get through.
 */
export function normaliseHandle(input: string): string {
  return input.normalize('NFKC').toLowerCase();
}

/**
 * Normalises and checks a handle: 3–32 characters of `[a-z0-9_.]`, no dot at
 * either end, no two dots in a row, not reserved. Throws a 400 with a stable
 * code otherwise.
 */
export function validHandle(input: string): string {
  const handle = normaliseHandle(input);
  // Only ASCII survives the alphabet check below, so UTF-16 length is the character count for every valid handle.
  if (handle.length < HANDLE_MIN_LENGTH || handle.length > HANDLE_MAX_LENGTH) {
    throw new AppError('DIR_HANDLE_INVALID', `A handle has ${HANDLE_MIN_LENGTH} to ${HANDLE_MAX_LENGTH} characters`, 400, {
      reason: 'length',
    });
  }
  if (!/^[a-z0-9_.]+$/.test(handle)) {
    throw new AppError('DIR_HANDLE_INVALID', 'A handle uses only letters a-z, digits, "_" and "."', 400, { reason: 'alphabet' });
  }
  if (handle.startsWith('.') || handle.endsWith('.') || handle.includes('..')) {
    throw new AppError('DIR_HANDLE_INVALID', 'A handle neither starts nor ends with "." nor has two in a row', 400, {
      reason: 'dots',
    });
  }
  const skeleton = handle.replace(/[._]/g, '');
  if (RESERVED_HANDLES.has(skeleton) || skeleton.startsWith('sanctum')) {
    throw new AppError('DIR_HANDLE_RESERVED', 'That handle is reserved', 400);
  }
  return handle;
}
