import { randomUUID } from 'node:crypto';
import type { AccessClaims } from '@sanctum/kernel';
import { AppError } from '@sanctum/kernel';
import type { AuthData } from '../store/auth-data.js';
import { isUniqueViolation } from '../store/db-errors.js';
import type { ChallengeService, IssuedChallenge } from './challenge.service.js';
import type { Clock } from './clock.js';
import { DEFAULT_DEVICE_NAME, enrolDevice, requireIdentityKey } from './enrolment.js';
import type { RecoverySecretHasher } from './recovery-secret.js';
import type { SessionService } from './session.service.js';
import { signedMessages } from './signed-messages.js';
import type { TokenSet } from './token-set.js';

export interface CreateAccountRequest {
  readonly identityKey: string;
  readonly deviceName?: string | undefined;
  readonly nonce: string;
  readonly signature: string;
  readonly recoverySecret?: string | undefined;
}

export interface AccountView {
  readonly accountId: string;
  readonly createdAt: number;
  readonly recoveryEnabled: boolean;
}

function proofFailed(): AppError {
  return new AppError('AUTH_PROOF_FAILED', 'The signed challenge is missing, expired, already used or wrongly signed', 401);
}

/** Accounts: creation with the first device, recovery secret, deletion. */
export class AccountService {
  constructor(
    private readonly data: AuthData,
    private readonly challenges: ChallengeService,
    private readonly sessions: SessionService,
    private readonly recoveryHasher: RecoverySecretHasher,
    private readonly clock: Clock,
    private readonly maxDevices: number,
  ) {}

  /** A nonce the new device signs to prove it holds the private half of `identityKey`. */
  keyChallenge(identityKey: string): IssuedChallenge {
    requireIdentityKey(identityKey);
    return this.challenges.issue('key', identityKey);
  }

  /** Creates the account, its first device and a session, in one transaction with their events. */
  async create(request: CreateAccountRequest): Promise<TokenSet> {
    requireIdentityKey(request.identityKey);
    const proven = await this.challenges.check({
      nonce: request.nonce,
      kind: 'key',
      subject: request.identityKey,
      identityKey: request.identityKey,
      message: signedMessages.createAccount(request.nonce, request.identityKey),
      signature: request.signature,
    });
    if (proven === undefined) throw proofFailed();
    const recoveryHash = request.recoverySecret === undefined ? null : await this.recoveryHasher.hash(request.recoverySecret);
    try {
      const opened = await this.data.transaction(async (tx) => {
        if (!(await this.challenges.spend(tx, proven))) throw proofFailed();
        const now = this.clock.nowMs();
        const accountId = randomUUID();
        await tx.accounts.insert({ id: accountId, createdAt: now, recoveryHash });
        await tx.events.append({ type: 'account.created', accountId, occurredAt: now });
        const deviceId = await enrolDevice(
          tx,
          { accountId, identityKey: request.identityKey, name: request.deviceName ?? DEFAULT_DEVICE_NAME },
          { maxDevices: this.maxDevices, nowMs: now },
        );
        return this.sessions.open(tx, { accountId, deviceId });
      });
      return await this.sessions.tokens(opened);
    } catch (error) {
      // Two accounts racing for the same key: the loser hits the unique index.
      if (isUniqueViolation(error)) throw new AppError('AUTH_IDENTITY_KEY_IN_USE', 'This identity key already belongs to a device', 409);
      throw error;
    }
  }

  async describe(accountId: string): Promise<AccountView> {
    const account = await this.data.stores.accounts.find(accountId);
    if (account === undefined) throw new AppError('AUTH_TOKEN_REVOKED', 'The account of this token no longer exists', 401);
    return { accountId, createdAt: account.createdAt, recoveryEnabled: account.recoveryHash !== null };
  }

  /** Registers or replaces the recovery secret; null removes it. */
  async setRecoverySecret(accountId: string, secret: string | null): Promise<void> {
    const hash = secret === null ? null : await this.recoveryHasher.hash(secret);
    await this.data.stores.accounts.setRecoveryHash(accountId, hash);
  }

  /**
   * Deletes the account and everything of it in Auth. Needs a fresh signature
   * by the calling device (step-up), not just its access token, because it
   * cannot be undone.
   */
  async delete(claims: AccessClaims, proof: { nonce: string; signature: string }): Promise<void> {
    const device = await this.data.stores.devices.find(claims.deviceId);
    const proven = await this.challenges.check({
      nonce: proof.nonce,
      kind: 'device',
      subject: claims.deviceId,
      identityKey: device?.accountId === claims.accountId ? device.identityKey : null,
      message: signedMessages.deleteAccount(proof.nonce, claims.accountId, claims.deviceId),
      signature: proof.signature,
    });
    if (proven === undefined) throw proofFailed();
    await this.data.transaction(async (tx) => {
      if (!(await this.challenges.spend(tx, proven))) throw proofFailed();
      if (!(await tx.accounts.delete(claims.accountId))) return;
      await tx.events.append({ type: 'account.deleted', accountId: claims.accountId, occurredAt: this.clock.nowMs() });
    });
  }
}
