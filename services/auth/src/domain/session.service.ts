import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '@sanctum/kernel';
import { AppError } from '@sanctum/kernel';
import type { AuthData, Stores } from '../store/auth-data.js';
import type { SessionRecord } from '../store/session.store.js';
import type { AccessTokenIssuer } from './access-token.issuer.js';
import type { Clock } from './clock.js';
import { randomToken, tokenHash } from './encoding.js';
import type { OpenedSession, TokenSet } from './token-set.js';
import { MAX_ACCESS_TOKEN_TTL_S } from './token-limits.js';

/**
 * Refresh tokens read `<sessionId>.<secret>`: the session id lets the rate
 * limiter count refreshes per session before anything is looked up; the
 * secret (256 random bits) is what makes the token, and only its hash is stored.
 */
export function sessionIdOfRefreshToken(refreshToken: string): string {
  return refreshToken.split('.', 1)[0] ?? '';
}

type RefreshOutcome = { kind: 'ok'; opened: OpenedSession } | { kind: 'refused'; reason: string };

/** Sessions: opening them, rotating refresh tokens, logging out, listing and revoking. */
export class SessionService {
  constructor(
    private readonly data: AuthData,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly clock: Clock,
    private readonly refreshTtlS: number,
  ) {}

  /** Writes a new session and its first refresh token inside the caller's transaction. */
  async open(tx: Stores, subject: { accountId: string; deviceId: string }): Promise<OpenedSession> {
    const now = this.clock.nowMs();
    const sessionId = randomUUID();
    const expiresAt = now + this.refreshTtlS * 1000;
    await tx.sessions.insert({ id: sessionId, accountId: subject.accountId, deviceId: subject.deviceId, createdAt: now, expiresAt });
    const refreshToken = await this.newRefreshToken(tx, sessionId, now);
    return { ...subject, sessionId, refreshToken, refreshTokenExpiresAt: expiresAt };
  }

  /** Signs the access token for a committed session. */
  async tokens(opened: OpenedSession): Promise<TokenSet> {
    const access = await this.accessTokens.issue(opened);
    return {
      accountId: opened.accountId,
      deviceId: opened.deviceId,
      sessionId: opened.sessionId,
      tokenType: 'Bearer',
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: opened.refreshToken,
      refreshTokenExpiresAt: opened.refreshTokenExpiresAt,
    };
  }

  /**
   * Exchanges a refresh token for a new pair. The presented token is spent;
   * presenting a spent token again means it was copied, so the whole session
   * is revoked (the thief's and the owner's tokens alike).
   */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const hash = tokenHash(refreshToken);
    const outcome = await this.data.transaction(async (tx): Promise<RefreshOutcome> => {
      const now = this.clock.nowMs();
      const sessionId = await tx.sessions.spendRefreshToken(hash, now);
      if (sessionId === undefined) {
        const reusedSession = await tx.sessions.sessionOfSpentToken(hash);
        if (reusedSession === undefined) return { kind: 'refused', reason: 'unknown' };
        await this.revokeInside(tx, reusedSession, 'refresh-reuse');
        return { kind: 'refused', reason: 'reused' };
      }
      const session = await tx.sessions.find(sessionId);
      if (session?.revokedAt !== null || session.expiresAt <= now) return { kind: 'refused', reason: 'ended' };
      const expiresAt = now + this.refreshTtlS * 1000;
      await tx.sessions.extend(sessionId, now, expiresAt);
      const next = await this.newRefreshToken(tx, sessionId, now);
      return {
        kind: 'ok',
        opened: { accountId: session.accountId, deviceId: session.deviceId, sessionId, refreshToken: next, refreshTokenExpiresAt: expiresAt },
      };
    });
    if (outcome.kind === 'refused') {
      const message =
        outcome.reason === 'reused'
          ? 'This refresh token was already used; the session has been revoked. Sign in again.'
          : 'Refresh token is unknown, spent or expired, or its session has ended. Sign in again.';
      throw new AppError('AUTH_REFRESH_INVALID', message, 401);
    }
    return this.tokens(outcome.opened);
  }

  /** Ends the session the access token belongs to. */
  async logout(claims: AccessClaims): Promise<void> {
    await this.data.transaction((tx) => this.revokeInside(tx, claims.sessionId, 'logout'));
  }

  /** Ends one of the account's sessions (any device); idempotent. */
  async revoke(accountId: string, sessionId: string): Promise<void> {
    const found = await this.data.transaction(async (tx) => {
      const session = await tx.sessions.find(sessionId);
      if (session?.accountId !== accountId) return false;
      await this.revokeInside(tx, sessionId, 'revoked');
      return true;
    });
    if (!found) throw new AppError('AUTH_SESSION_NOT_FOUND', 'No such session on this account', 404);
  }

  async listActive(accountId: string): Promise<SessionRecord[]> {
    return this.data.stores.sessions.listActive(accountId, this.clock.nowMs());
  }

  /**
   * For Auth's own protected routes: the token's session must still exist
   * unrevoked (its device and account too, which cascade to it). Checked in
   * the database on every request, so revocation is immediate here.
   */
  async isLive(claims: AccessClaims): Promise<boolean> {
    const session = await this.data.stores.sessions.find(claims.sessionId);
    return session?.revokedAt === null && session.deviceId === claims.deviceId && session.accountId === claims.accountId;
  }

  /** How long a revoked session is kept so that a replayed refresh token is still recognised. */
  static readonly revokedRetentionMs = MAX_ACCESS_TOKEN_TTL_S * 1000;

  private async revokeInside(tx: Stores, sessionId: string, reason: 'logout' | 'revoked' | 'refresh-reuse'): Promise<void> {
    const session = await tx.sessions.find(sessionId);
    if (session === undefined) return;
    const now = this.clock.nowMs();
    if (await tx.sessions.revoke(sessionId, now, reason)) {
      await tx.events.append({ type: 'session.revoked', accountId: session.accountId, sessionId, occurredAt: now });
    }
  }

  private async newRefreshToken(tx: Stores, sessionId: string, now: number): Promise<string> {
    const token = `${sessionId}.${randomToken(32)}`;
    await tx.sessions.insertRefreshToken(tokenHash(token), sessionId, now);
    return token;
  }
}
