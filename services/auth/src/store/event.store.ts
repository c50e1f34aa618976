import type { AuthEvent, AuthEventType, RevocationSnapshot } from '@sanctum/kernel';
import type { Kysely } from 'kysely';
import type { AuthTables } from './tables.js';

export type NewAuthEvent = Omit<AuthEvent, 'seq'>;

type RevocationKind = RevocationSnapshot['revocations'][number]['kind'];

const REVOKING_TYPES = ['session.revoked', 'device.removed', 'account.deleted'];

/**
 * The transactional outbox: events are appended inside the transaction of the
 * change they describe, and served in seq order to Directory and Messaging.
 */
export class EventStore {
  /** Events appended through this instance (the transaction helper wakes long polls after commit when > 0). */
  appended = 0;

  constructor(private readonly db: Kysely<AuthTables>) {}

  /**
   * Takes the next seq from the counter row, then inserts the event. The
   * counter update holds a row lock until commit on PostgreSQL, so events
   * become visible in seq order and a follower never skips one that commits late.
   */
  async append(event: NewAuthEvent): Promise<number> {
    const { last_seq: seq } = await this.db
      .updateTable('auth_event_counter')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('id', '=', 1)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    await this.db
      .insertInto('auth_events')
      .values({
        seq,
        type: event.type,
        account_id: event.accountId,
        device_id: event.deviceId ?? null,
        identity_key: event.identityKey ?? null,
        session_id: event.sessionId ?? null,
        occurred_at: event.occurredAt,
      })
      .execute();
    this.appended += 1;
    return seq;
  }

  async after(after: number, limit: number): Promise<AuthEvent[]> {
    const rows = await this.db.selectFrom('auth_events').selectAll().where('seq', '>', after).orderBy('seq').limit(limit).execute();
    return rows.map((row) => {
      const event: AuthEvent = { seq: row.seq, type: row.type as AuthEventType, accountId: row.account_id, occurredAt: row.occurred_at };
      if (row.device_id !== null) event.deviceId = row.device_id;
      if (row.identity_key !== null) event.identityKey = row.identity_key;
      if (row.session_id !== null) event.sessionId = row.session_id;
      return event;
    });
  }

  /** Sessions, devices and accounts revoked at or after `sinceMs`, oldest first. */
  async revocationsSince(sinceMs: number): Promise<RevocationSnapshot['revocations']> {
    const rows = await this.db
      .selectFrom('auth_events')
      // Each revoking event carries exactly the id it revokes: session, else device, else account.
      .select((eb) => [
        eb
          .case('type')
          .when('session.revoked')
          .then(eb.val<RevocationKind>('session'))
          .when('device.removed')
          .then(eb.val<RevocationKind>('device'))
          .else(eb.val<RevocationKind>('account'))
          .end()
          .as('kind'),
        eb.fn.coalesce('session_id', 'device_id', 'account_id').as('id'),
        'occurred_at',
      ])
      .where('type', 'in', REVOKING_TYPES)
      .where('occurred_at', '>=', sinceMs)
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({ kind: row.kind, id: row.id, revokedAt: row.occurred_at }));
  }

  async pruneBefore(beforeMs: number): Promise<number> {
    const result = await this.db.deleteFrom('auth_events').where('occurred_at', '<', beforeMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
