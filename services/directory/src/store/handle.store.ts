import type { Kysely } from 'kysely';
import type { DirectoryTables } from './tables.js';

export type ClaimOutcome = 'claimed' | 'taken';

/** Handles: one per account, unique across accounts; exact lookups only (no listing, no prefix search). */
export class HandleStore {
  constructor(private readonly db: Kysely<DirectoryTables>) {}

  /**
   * Gives `accountId` the handle, releasing the one it had, in one
   * transaction. The unique index decides races: a concurrent claim of the
   * same handle by another account leaves this one `taken` and rolls back.
   */
  async claim(accountId: string, handle: string, now: number): Promise<ClaimOutcome> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('handles').where('account_id', '=', accountId).where('handle', '<>', handle).execute();
        await trx
          .insertInto('handles')
          .values({ handle, account_id: accountId, claimed_at: now })
          .onConflict((oc) => oc.doNothing())
          .execute();
        const owner = await trx.selectFrom('handles').select('account_id').where('handle', '=', handle).executeTakeFirst();
        if (owner?.account_id !== accountId) throw new TakenSignal();
        return 'claimed' as const;
      });
    } catch (error) {
      if (error instanceof TakenSignal) return 'taken';
      throw error;
    }
  }

  /** Releases the account's handle; true when it had one. */
  async release(accountId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('handles').where('account_id', '=', accountId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async accountOf(handle: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('handles').select('account_id').where('handle', '=', handle).executeTakeFirst();
    return row?.account_id;
  }

  async handleOf(accountId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('handles').select('handle').where('account_id', '=', accountId).executeTakeFirst();
    return row?.handle;
  }
}

/** Thrown inside the claim transaction to roll it back when the handle belongs to someone else. */
class TakenSignal extends Error {}
