import type { Kysely, Selectable } from 'kysely';
import type { AuthTables, LinkRequestsTable } from './tables.js';

export interface LinkRecord {
  readonly id: string;
  readonly codeHash: string;
  readonly identityKey: string;
  readonly deviceName: string;
  readonly nonce: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly accountId: string | null;
  readonly approvedBy: string | null;
  readonly approvalSignature: string | null;
  readonly approvedAt: number | null;
}

function toRecord(row: Selectable<LinkRequestsTable>): LinkRecord {
  return {
    id: row.id,
    codeHash: row.code_hash,
    identityKey: row.identity_key,
    deviceName: row.device_name,
    nonce: row.nonce,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    accountId: row.account_id,
    approvedBy: row.approved_by,
    approvalSignature: row.approval_signature,
    approvedAt: row.approved_at,
  };
}

/** Pending device links: created by the new device, approved by a signed-in one, consumed once. */
export class LinkStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async insert(link: Pick<LinkRecord, 'id' | 'codeHash' | 'identityKey' | 'deviceName' | 'nonce' | 'createdAt' | 'expiresAt'>): Promise<void> {
    await this.db
      .insertInto('link_requests')
      .values({
        id: link.id,
        code_hash: link.codeHash,
        identity_key: link.identityKey,
        device_name: link.deviceName,
        nonce: link.nonce,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        account_id: null,
        approved_by: null,
        approval_signature: null,
        approved_at: null,
      })
      .execute();
  }

  /** The unexpired link with this code hash. */
  async findLive(codeHash: string, nowMs: number): Promise<LinkRecord | undefined> {
    const row = await this.db
      .selectFrom('link_requests')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .where('expires_at', '>', nowMs)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Records the approval unless the link was approved already or has expired; true when this call approved it. */
  async approve(id: string, approval: { accountId: string; approvedBy: string; signature: string; nowMs: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('link_requests')
      .set({ account_id: approval.accountId, approved_by: approval.approvedBy, approval_signature: approval.signature, approved_at: approval.nowMs })
      .where('id', '=', id)
      .where('approved_at', 'is', null)
      .where('expires_at', '>', approval.nowMs)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Removes an approved link; true for exactly one caller, which then enrols the device. */
  async consumeApproved(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('link_requests').where('id', '=', id).where('approved_at', 'is not', null).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async pruneExpired(nowMs: number): Promise<number> {
    const result = await this.db.deleteFrom('link_requests').where('expires_at', '<=', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
