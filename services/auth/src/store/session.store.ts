import type { Kysely, Selectable } from 'kysely';
import type { AuthTables, SessionsTable } from './tables.js';

export interface SessionRecord {
  readonly id: string;
  readonly accountId: string;
  readonly deviceId: string;
  readonly createdAt: number;
  readonly lastRefreshedAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly revokeReason: string | null;
}

/** Why a session ended early; kept on the row for support and audits. */
export type RevokeReason = 'logout' | 'revoked' | 'refresh-reuse';

function toRecord(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    deviceId: row.device_id,
    createdAt: row.created_at,
    lastRefreshedAt: row.last_refreshed_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokeReason: row.revoke_reason,
  };
}

/** Sessions (one per sign-in of a device) and their refresh-token chain. */
export class SessionStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async insert(session: Pick<SessionRecord, 'id' | 'accountId' | 'deviceId' | 'createdAt' | 'expiresAt'>): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        account_id: session.accountId,
        device_id: session.deviceId,
        created_at: session.createdAt,
        last_refreshed_at: session.createdAt,
        expires_at: session.expiresAt,
        revoked_at: null,
        revoke_reason: null,
      })
      .execute();
  }

  async find(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Sessions that can still be refreshed, newest first. */
  async listActive(accountId: string, nowMs: number): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', nowMs)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** Ends the session unless it already ended; true when this call ended it. */
  async revoke(id: string, nowMs: number, reason: RevokeReason): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: nowMs, revoke_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async extend(id: string, nowMs: number, expiresAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_refreshed_at: nowMs, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  async insertRefreshToken(tokenHash: string, sessionId: string, nowMs: number): Promise<void> {
    await this.db.insertInto('refresh_tokens').values({ token_hash: tokenHash, session_id: sessionId, created_at: nowMs, used_at: null }).execute();
  }

  /**
   * Marks an unspent refresh token spent and returns its session, in one
   * conditional update: of two requests racing with the same token, only one
   * spends it. Undefined when the token is unknown or already spent.
   */
  async spendRefreshToken(tokenHash: string, nowMs: number): Promise<string | undefined> {
    const row = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: nowMs })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .returning('session_id')
      .executeTakeFirst();
    return row?.session_id;
  }

  /** The session of a refresh token that was already spent (theft detection), if any. */
  async sessionOfSpentToken(tokenHash: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select('session_id')
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is not', null)
      .executeTakeFirst();
    return row?.session_id;
  }

  /**
   * Deletes sessions that can never be used again: expired ones, and revoked
   * ones once `revokedBefore` has passed (kept that long so a replayed spent
   * token is still recognised). Refresh tokens go with them by cascade.
   */
  async pruneEnded(nowMs: number, revokedBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', nowMs), eb('revoked_at', '<=', revokedBefore)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
