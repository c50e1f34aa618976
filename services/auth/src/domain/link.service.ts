import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '@sanctum/kernel';
import { AppError } from '@sanctum/kernel';
import type { AuthData } from '../store/auth-data.js';
import { isUniqueViolation } from '../store/db-errors.js';
import type { LinkRecord } from '../store/link.store.js';
import type { Clock } from './clock.js';
import { verifyDeviceSignature } from './ed25519.js';
import { randomToken, tokenHash } from './encoding.js';
import { DEFAULT_DEVICE_NAME, enrolDevice, requireIdentityKey } from './enrolment.js';
import type { SessionService } from './session.service.js';
import { signedMessages } from './signed-messages.js';
import type { TokenSet } from './token-set.js';

export interface LinkRequested {
  readonly linkId: string;
  /** The one-time code the new device shows (QR or text); whoever has it can approve. */
  readonly code: string;
  /** Signed by the new device when it completes the link. */
  readonly nonce: string;
  readonly expiresAt: number;
}

export interface LinkView {
  readonly linkId: string;
  readonly identityKey: string;
  readonly deviceName: string;
  readonly expiresAt: number;
  readonly approved: boolean;
}

export interface LinkSettings {
  readonly ttlS: number;
  readonly maxDevices: number;
}

/**
 * Device linking. The new device asks for a link and shows its one-time
 * code; a signed-in device of the account reads the code, checks the new
 * device's key and signs its approval; the new device then proves it holds
 * its key and receives its own device id and session. Links expire, and
 * approval and completion each happen once.
 */
export class LinkService {
  constructor(
    private readonly data: AuthData,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly settings: LinkSettings,
  ) {}

  async request(identityKey: string, deviceName: string | undefined): Promise<LinkRequested> {
    requireIdentityKey(identityKey);
    const now = this.clock.nowMs();
    const link = {
      id: randomUUID(),
      code: randomToken(32),
      nonce: randomToken(32),
      expiresAt: now + this.settings.ttlS * 1000,
    };
    await this.data.stores.links.insert({
      id: link.id,
      codeHash: tokenHash(link.code),
      identityKey,
      deviceName: deviceName ?? DEFAULT_DEVICE_NAME,
      nonce: link.nonce,
      createdAt: now,
      expiresAt: link.expiresAt,
    });
    return { linkId: link.id, code: link.code, nonce: link.nonce, expiresAt: link.expiresAt };
  }

  /** What the approving device shows its user before approving. */
  async inspect(claims: AccessClaims, code: string): Promise<LinkView> {
    const link = await this.live(code);
    if (link.accountId !== null && link.accountId !== claims.accountId) throw linkNotFound();
    return { linkId: link.id, identityKey: link.identityKey, deviceName: link.deviceName, expiresAt: link.expiresAt, approved: link.approvedAt !== null };
  }

  /** Approves the link for the caller's account; `signature` is the approving device's over the approval. */
  async approve(claims: AccessClaims, code: string, signature: string): Promise<LinkView> {
    const link = await this.live(code);
    if (link.approvedAt !== null) throw new AppError('AUTH_LINK_ALREADY_APPROVED', 'This link has already been approved', 409);
    const approver = await this.data.stores.devices.find(claims.deviceId);
    const message = signedMessages.linkApprove(link.id, claims.accountId, claims.deviceId, link.identityKey);
    const signed = await verifyDeviceSignature(approver?.accountId === claims.accountId ? approver.identityKey : null, message, signature);
    if (!signed) throw new AppError('AUTH_PROOF_FAILED', 'The approval is not signed by the approving device', 401);
    if ((await this.data.stores.devices.countByAccount(claims.accountId)) >= this.settings.maxDevices) {
      throw new AppError('AUTH_DEVICE_LIMIT', `An account can have at most ${this.settings.maxDevices} devices; remove one first`, 409, {
        maxDevices: this.settings.maxDevices,
      });
    }
    const approved = await this.data.stores.links.approve(link.id, {
      accountId: claims.accountId,
      approvedBy: claims.deviceId,
      signature,
      nowMs: this.clock.nowMs(),
    });
    if (!approved) throw new AppError('AUTH_LINK_ALREADY_APPROVED', 'This link has already been approved', 409);
    return { linkId: link.id, identityKey: link.identityKey, deviceName: link.deviceName, expiresAt: link.expiresAt, approved: true };
  }

  /**
   * The new device's last step: 409 AUTH_LINK_PENDING until approved, then
   * (with its signature over the link nonce) its device id and tokens.
   */
  async complete(code: string, signature: string): Promise<TokenSet> {
    const link = await this.live(code);
    if (link.approvedAt === null || link.accountId === null) {
      throw new AppError('AUTH_LINK_PENDING', 'The link has not been approved yet; try again shortly', 409, { expiresAt: link.expiresAt });
    }
    const signed = await verifyDeviceSignature(link.identityKey, signedMessages.linkComplete(link.id, link.nonce, link.identityKey), signature);
    if (!signed) throw new AppError('AUTH_PROOF_FAILED', 'The completion is not signed by the key being linked', 401);
    const accountId = link.accountId;
    try {
      const opened = await this.data.transaction(async (tx) => {
        if (!(await tx.links.consumeApproved(link.id))) throw linkNotFound();
        const now = this.clock.nowMs();
        if (!(await tx.accounts.lockForDeviceChange(accountId, now))) throw linkNotFound();
        const deviceId = await enrolDevice(
          tx,
          { accountId, identityKey: link.identityKey, name: link.deviceName, approvedBy: link.approvedBy ?? undefined, approvalSignature: link.approvalSignature ?? undefined },
          { maxDevices: this.settings.maxDevices, nowMs: now },
        );
        return this.sessions.open(tx, { accountId, deviceId });
      });
      return await this.sessions.tokens(opened);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('AUTH_IDENTITY_KEY_IN_USE', 'This identity key already belongs to a device', 409);
      throw error;
    }
  }

  private async live(code: string): Promise<LinkRecord> {
    const link = await this.data.stores.links.findLive(tokenHash(code), this.clock.nowMs());
    if (link === undefined) throw linkNotFound();
    return link;
  }
}

function linkNotFound(): AppError {
  return new AppError('AUTH_LINK_NOT_FOUND', 'No live link for this code (unknown, expired or already used)', 404);
}
