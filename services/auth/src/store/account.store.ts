import type { Kysely } from 'kysely';
import type { AuthTables } from './tables.js';

export interface AccountRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly recoveryHash: string | null;
}

/** Accounts: one row each; devices, sessions and links hang off it and go with it (ON DELETE CASCADE). */
export class AccountStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async insert(account: AccountRecord): Promise<void> {
    await this.db
      .insertInto('accounts')
      .values({ id: account.id, created_at: account.createdAt, updated_at: account.createdAt, recovery_hash: account.recoveryHash })
      .execute();
  }

  async find(id: string): Promise<AccountRecord | undefined> {
    const row = await this.db.selectFrom('accounts').select(['id', 'created_at', 'recovery_hash']).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { id: row.id, createdAt: row.created_at, recoveryHash: row.recovery_hash };
  }

  /**
   * Marks the account's device set as changing. Inside a transaction the
   * update holds the row lock on PostgreSQL until commit, so two concurrent
   * device additions cannot both pass the device cap; SQLite serialises
   * writers anyway. Returns false when the account does not exist.
   */
  async lockForDeviceChange(id: string, nowMs: number): Promise<boolean> {
    const result = await this.db.updateTable('accounts').set({ updated_at: nowMs }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setRecoveryHash(id: string, hash: string | null): Promise<void> {
    await this.db.updateTable('accounts').set({ recovery_hash: hash }).where('id', '=', id).execute();
  }

  /** Deletes the account and, by cascade, its devices, sessions, refresh tokens and link requests. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
