import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_CLAIMS, ACCESS_TOKEN_TYP } from '@sanctum/kernel';
import { SignJWT } from 'jose';
import type { Clock } from './clock.js';
import type { SigningKeyRing } from './signing-key.ring.js';
import { MAX_ACCESS_TOKEN_TTL_S } from './token-limits.js';

export interface AccessTokenSubject {
  readonly accountId: string;
  readonly deviceId: string;
  readonly sessionId: string;
}

export interface IssuedAccessToken {
  readonly token: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlS: number;
}

/**
 * Signs access tokens exactly as the kernel's TokenVerifier checks them:
 * JWS header `alg: EdDSA`, `typ: at+jwt`, `kid`; claims `sub` (account),
 * `did` (device), `sid` (session), `iss`, `aud`, `iat`, `exp`, `jti`.
 */
export class AccessTokenIssuer {
  private readonly ttlS: number;

  constructor(
    private readonly ring: SigningKeyRing,
    private readonly settings: AccessTokenSettings,
    private readonly clock: Clock,
  ) {
    this.ttlS = Math.min(settings.ttlS, MAX_ACCESS_TOKEN_TTL_S);
  }

  async issue(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
    const { kid, privateKey } = this.ring.active();
    const iat = Math.floor(this.clock.nowMs() / 1000);
    const exp = iat + this.ttlS;
    const token = await new SignJWT({
      [ACCESS_TOKEN_CLAIMS.device]: subject.deviceId,
      [ACCESS_TOKEN_CLAIMS.session]: subject.sessionId,
    })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid })
      .setSubject(subject.accountId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(privateKey);
    return { token, expiresAt: exp * 1000 };
  }
}
