/** Who is calling, as proven by a verified access token. */
export interface AccessClaims {
  readonly accountId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  /** Token id (`jti`). */
  readonly tokenId: string;
  /** Expiry, seconds since the epoch (`exp`). */
  readonly expiresAt: number;
}

/**
 * The claim names Auth writes into an access token. `sub` is the account; the
 * device and session travel in private claims. Shared so issuer and verifier
 * cannot drift apart.
 */
export const ACCESS_TOKEN_CLAIMS = { account: 'sub', device: 'did', session: 'sid' } as const;
/** The only signing algorithm an access token may use. */
export const ACCESS_TOKEN_ALG = 'EdDSA';
/** JOSE header `typ` of access tokens (RFC 9068), so other JWTs cannot be replayed as access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
