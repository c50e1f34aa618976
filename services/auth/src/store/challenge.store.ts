import type { Kysely } from 'kysely';
import type { AuthTables } from './tables.js';

/** Spent challenge nonces: the single-use half of challenge–response. */
export class ChallengeStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  /**
   * Marks the nonce used, in one conditional statement (`INSERT … ON CONFLICT
   * DO NOTHING`): of any number of requests or instances presenting the same
   * nonce, exactly one gets true. Inside a transaction, that one's change
   * commits with the spend or not at all.
   */
  async spend(nonce: string, expiresAt: number): Promise<boolean> {
    const row = await this.db
      .insertInto('spent_challenges')
      .values({ nonce, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('nonce').doNothing())
      .returning('nonce')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Forgets spent nonces that have expired anyway (an expired nonce is refused on its own). */
  async pruneExpired(nowMs: number): Promise<number> {
    const result = await this.db.deleteFrom('spent_challenges').where('expires_at', '<=', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
