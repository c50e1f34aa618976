import type { Kysely } from 'kysely';
import type { DirectoryTables } from './tables.js';

export interface ProfileRecord {
  accountId: string;
  displayName: string;
  blob: Uint8Array | null;
  updatedAt: number;
}

/** Display names and opaque encrypted profile blobs, one per account. */
export class ProfileStore {
  constructor(private readonly db: Kysely<DirectoryTables>) {}

  async put(profile: ProfileRecord): Promise<void> {
    const row = {
      account_id: profile.accountId,
      display_name: profile.displayName,
      blob: profile.blob,
      updated_at: profile.updatedAt,
    };
    await this.db
      .insertInto('profiles')
      .values(row)
      .onConflict((oc) =>
        oc.column('account_id').doUpdateSet({ display_name: row.display_name, blob: row.blob, updated_at: row.updated_at }),
      )
      .execute();
  }

  async get(accountId: string): Promise<ProfileRecord | undefined> {
    const row = await this.db.selectFrom('profiles').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    if (row === undefined) return undefined;
    return { accountId: row.account_id, displayName: row.display_name, blob: row.blob, updatedAt: row.updated_at };
  }
}
