import type { AuthData } from '../store/auth-data.js';
import type { Clock } from './clock.js';
import { SessionService } from './session.service.js';
import type { SigningKeyRing } from './signing-key.ring.js';

export interface MaintenanceReport {
  readonly challenges: number;
  readonly links: number;
  readonly sessions: number;
  readonly events: number;
  readonly signingKeys: number;
  readonly rotated: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Periodic housekeeping every instance runs (each step is idempotent, so
 * instances running it at once do no harm): delete expired challenges, links
 * and sessions, outbox events past retention and signing keys no token can
 * name any more; rotate the signing key when it is old enough.
 */
export class Maintenance {
  constructor(
    private readonly data: AuthData,
    private readonly ring: SigningKeyRing,
    private readonly clock: Clock,
    private readonly eventRetentionDays: number,
  ) {}

  async run(): Promise<MaintenanceReport> {
    const now = this.clock.nowMs();
    const { stores } = this.data;
    const challenges = await stores.challenges.pruneExpired(now);
    const links = await stores.links.pruneExpired(now);
    const sessions = await stores.sessions.pruneEnded(now, now - SessionService.revokedRetentionMs);
    const events = await stores.events.pruneBefore(now - this.eventRetentionDays * DAY_MS);
    const rotated = await this.ring.rotateIfDue();
    const signingKeys = await this.ring.prune();
    return { challenges, links, sessions, events, signingKeys, rotated };
  }
}
