import type { AccessClaims } from './access-claims.js';

export type RevocationKind = 'session' | 'device' | 'account';

/**
 * Sessions, devices and accounts revoked recently enough that tokens issued to
 * them may still be unexpired. Ids are never reused, so membership alone
 * decides; an entry is forgotten once every token it could match has expired.
 */
export class RevocationList {
  private readonly entries = new Map<string, number>();

  constructor(
    /** Longest access-token lifetime Auth may issue, in seconds. */
    private readonly maxTokenTtlS: number,
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Records a revocation that happened at `revokedAtS` (seconds since the epoch). */
  revoke(kind: RevocationKind, id: string, revokedAtS: number = this.nowS()): void {
    const forgetAt = revokedAtS + this.maxTokenTtlS;
    const key = `${kind}:${id}`;
    if ((this.entries.get(key) ?? 0) < forgetAt) this.entries.set(key, forgetAt);
  }

  isRevoked(claims: Pick<AccessClaims, 'accountId' | 'deviceId' | 'sessionId'>): boolean {
    if (this.entries.size === 0) return false;
    return (
      this.entries.has(`session:${claims.sessionId}`) ||
      this.entries.has(`device:${claims.deviceId}`) ||
      this.entries.has(`account:${claims.accountId}`)
    );
  }

  /** Drops entries that can no longer match an unexpired token; returns how many remain. */
  prune(): number {
    const now = this.nowS();
    for (const [key, forgetAt] of this.entries) if (forgetAt <= now) this.entries.delete(key);
    return this.entries.size;
  }

  get size(): number {
    return this.entries.size;
  }
}
