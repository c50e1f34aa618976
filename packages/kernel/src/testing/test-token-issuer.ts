import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { ACCESS_TOKEN_ALG, ACCESS_TOKEN_TYP } from '../auth/access-claims.js';

export interface TestTokenRequest {
  accountId?: string;
  deviceId?: string;
  sessionId?: string;
  ttlS?: number;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch; defaults to now. */
  issuedAt?: number;
}

/**
 * Issues access tokens shaped exactly like Auth's, signed with a key of its
 * own, for testing Directory and Messaging without running Auth.
 *
 * @example
 * const issuer = await TestTokenIssuer.create();
 * const verifier = new TokenVerifier({ keySet: issuer.keySet, issuer: 'sanctum-auth', audience: 'sanctum' });
 * const token = await issuer.issue({ accountId: 'a1', deviceId: 'd1' });
 */
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export class TestTokenIssuer {
  private constructor(
    private readonly privateKey: SigningKey,
    readonly jwks: JSONWebKeySet,
    readonly kid: string,
  ) {}

  static async create(): Promise<TestTokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = `test-${randomUUID()}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: ACCESS_TOKEN_ALG, use: 'sig' };
    return new TestTokenIssuer(privateKey, { keys: [jwk] }, kid);
  }

  get keySet(): JWTVerifyGetKey {
    return createLocalJWKSet(this.jwks);
  }

  async issue(request: TestTokenRequest = {}): Promise<string> {
    const now = request.issuedAt ?? Math.floor(Date.now() / 1000);
    return new SignJWT({ did: request.deviceId ?? randomUUID(), sid: request.sessionId ?? randomUUID() })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: this.kid, typ: ACCESS_TOKEN_TYP })
      .setSubject(request.accountId ?? randomUUID())
      .setIssuer(request.issuer ?? 'sanctum-auth')
      .setAudience(request.audience ?? 'sanctum')
      .setIssuedAt(now)
      .setExpirationTime(now + (request.ttlS ?? 600))
      .setJti(randomUUID())
      .sign(this.privateKey);
  }
}
