import { SignJWT, decodeProtectedHeader } from 'jose';

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The claims of `token` with an `alg: none` header and no signature. */
export function unsignedCopy(token: string): string {
  const [, payload] = token.split('.');
  const header = { ...decodeProtectedHeader(token), alg: 'none' };
  return `${b64(header)}.${payload ?? ''}.`;
}

/** The claims of `token` re-signed with HS256, keyed by the public key's `x` (the classic algorithm-confusion attack). */
export async function hs256Copy(token: string, publicX: string): Promise<string> {
  const [, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
  const { kid } = decodeProtectedHeader(token);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) }).sign(Buffer.from(publicX));
}
