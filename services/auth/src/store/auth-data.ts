import type { Kysely } from 'kysely';
import { AccountStore } from './account.store.js';
import { ChallengeStore } from './challenge.store.js';
import { DeviceStore } from './device.store.js';
import { EventStore } from './event.store.js';
import { LinkStore } from './link.store.js';
import { SessionStore } from './session.store.js';
import { SigningKeyStore } from './signing-key.store.js';
import type { AuthTables } from './tables.js';

/** Every store, bound to one connection or one transaction. */
export interface Stores {
  readonly accounts: AccountStore;
  readonly devices: DeviceStore;
  readonly challenges: ChallengeStore;
  readonly sessions: SessionStore;
  readonly links: LinkStore;
  readonly signingKeys: SigningKeyStore;
  readonly events: EventStore;
}

function storesOf(db: Kysely<AuthTables>): Stores {
  return {
    accounts: new AccountStore(db),
    devices: new DeviceStore(db),
    challenges: new ChallengeStore(db),
    sessions: new SessionStore(db),
    links: new LinkStore(db),
    signingKeys: new SigningKeyStore(db),
    events: new EventStore(db),
  };
}

/**
 * The Auth database as the domain sees it: stores for single statements, and
 * `transaction` for changes that must land together with their outbox events.
 *
 * @example
 * await data.transaction(async (tx) => {
 *   await tx.devices.delete(accountId, deviceId);
 *   await tx.events.append({ type: 'device.removed', accountId, deviceId, occurredAt: now });
 * });
 */
export class AuthData {
  readonly stores: Stores;

  constructor(
    readonly db: Kysely<AuthTables>,
    /** Called after a transaction that appended events has committed (wakes long polls, publishes on the bus). */
    private readonly onEventsCommitted: () => void = () => undefined,
  ) {
    this.stores = storesOf(db);
  }

  async transaction<T>(work: (tx: Stores) => Promise<T>): Promise<T> {
    let appended = 0;
    const result = await this.db.transaction().execute(async (trx) => {
      const tx = storesOf(trx);
      const value = await work(tx);
      appended = tx.events.appended;
      return value;
    });
    if (appended > 0) this.onEventsCommitted();
    return result;
  }
}
