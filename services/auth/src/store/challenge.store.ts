import type { Kysely } from 'kysely';
import type { AuthTables } from './tables.js';

export type ChallengeKind = 'device' | 'key';

export interface ChallengeRecord {
  readonly nonce: string;
  readonly kind: ChallengeKind;
  readonly subject: string;
  readonly expiresAt: number;
}

/** Single-use sign-in and enrolment nonces. */
export class ChallengeStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async insert(challenge: ChallengeRecord): Promise<void> {
    await this.db
      .insertInto('challenges')
      .values({ nonce: challenge.nonce, kind: challenge.kind, subject: challenge.subject, expires_at: challenge.expiresAt })
      .execute();
  }

  async find(nonce: string): Promise<ChallengeRecord | undefined> {
    const row = await this.db.selectFrom('challenges').selectAll().where('nonce', '=', nonce).executeTakeFirst();
    return row === undefined ? undefined : { nonce: row.nonce, kind: row.kind as ChallengeKind, subject: row.subject, expiresAt: row.expires_at };
  }

  /**
   * Takes the nonce out of the table in one statement (`DELETE … RETURNING`):
   * of two instances presenting the same nonce at once, exactly one gets the
   * row; the caller acts only when it got it.
   */
  async consume(nonce: string): Promise<ChallengeRecord | undefined> {
    const row = await this.db.deleteFrom('challenges').where('nonce', '=', nonce).returningAll().executeTakeFirst();
    if (row === undefined) return undefined;
    return { nonce: row.nonce, kind: row.kind as ChallengeKind, subject: row.subject, expiresAt: row.expires_at };
  }

  async pruneExpired(nowMs: number): Promise<number> {
    const result = await this.db.deleteFrom('challenges').where('expires_at', '<=', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
