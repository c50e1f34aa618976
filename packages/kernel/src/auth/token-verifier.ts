import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors/app-error.js';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_CLAIMS, ACCESS_TOKEN_TYP } from './access-claims.js';
import type { AccessClaims } from './access-claims.js';
import type { RevocationList } from './revocation.list.js';

export interface TokenVerifierOptions {
  /** Where Auth publishes its public keys, e.g. http://127.0.0.1:4001/.well-known/jwks.json. */
  jwksUrl?: string;
  /** A key set to use instead of fetching one (tests, or a pinned set). */
  keySet?: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  revocations?: RevocationList;
  /** Minimum pause between two JWKS fetches triggered by unknown `kid`s (default 5 s). */
  jwksCooldownMs?: number;
  /** How many verified tokens to remember (each until it expires). */
  cacheSize?: number;
  nowS?: () => number;
}

const CLOCK_TOLERANCE_S = 5;

/**
 * Verifies Auth's access tokens locally: EdDSA only, issuer, audience, `typ`,
 * expiry, and revocation. Keys come from Auth's JWKS, cached and fetched again
 * when a token names an unknown `kid` (key rotation). A token verified once is
 * remembered until it expires, so the hot path is a map lookup plus the
 * revocation check, which is never cached.
 *
 * @example
 * const verifier = new TokenVerifier({ jwksUrl: `${authUrl}/.well-known/jwks.json`, issuer: 'sanctum-auth', audience: 'sanctum' });
 * const claims = await verifier.verify(token);
 */
export class TokenVerifier {
  private readonly keySet: JWTVerifyGetKey;
  private readonly cache = new Map<string, AccessClaims>();
  private readonly cacheSize: number;
  private readonly nowS: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.keySet !== undefined) this.keySet = options.keySet;
    else if (options.jwksUrl !== undefined)
      this.keySet = createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: options.jwksCooldownMs ?? 5_000,
        cacheMaxAge: 10 * 60_000,
      });
    else throw new Error('TokenVerifier needs jwksUrl or keySet');
    this.cacheSize = options.cacheSize ?? 100_000;
    this.nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  }

  async verify(token: string): Promise<AccessClaims> {
    const cached = this.cache.get(token);
    const claims = cached !== undefined && cached.expiresAt > this.nowS() ? cached : await this.verifyCold(token);
    if (this.options.revocations?.isRevoked(claims) === true) {
      throw new AppError('AUTH_TOKEN_REVOKED', 'The session of this token has been revoked', 401);
    }
    return claims;
  }

  private async verifyCold(token: string): Promise<AccessClaims> {
    this.cache.delete(token);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keySet, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [ACCESS_TOKEN_ALG],
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(this.nowS() * 1000),
      }));
    } catch (error) {
      throw toAppError(error);
    }
    const accountId = payload[ACCESS_TOKEN_CLAIMS.account];
    const deviceId = payload[ACCESS_TOKEN_CLAIMS.device];
    const sessionId = payload[ACCESS_TOKEN_CLAIMS.session];
    if (typeof accountId !== 'string' || typeof deviceId !== 'string' || typeof sessionId !== 'string') {
      throw new AppError('AUTH_TOKEN_INVALID', 'Access token lacks account, device or session', 401);
    }
    const claims: AccessClaims = {
      accountId,
      deviceId,
      sessionId,
      tokenId: String(payload.jti),
      expiresAt: Number(payload.exp),
    };
    if (this.cache.size >= this.cacheSize) {
      // Evict the oldest entry (Map keeps insertion order); good enough for a bounded hot set.
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(token, claims);
    return claims;
  }
}

function toAppError(error: unknown): AppError {
  if (error instanceof errors.JWTExpired) return new AppError('AUTH_TOKEN_EXPIRED', 'Access token has expired', 401);
  if (error instanceof errors.JWKSTimeout || (error instanceof TypeError && /fetch/i.test(error.message))) {
    return new AppError('AUTH_KEYS_UNAVAILABLE', 'Cannot reach the token signing keys; retry shortly', 503);
  }
  if (error instanceof errors.JOSEError) {
    return new AppError('AUTH_TOKEN_INVALID', `Access token rejected (${error.code})`, 401);
  }
  return new AppError('AUTH_TOKEN_INVALID', 'Access token rejected', 401);
}
