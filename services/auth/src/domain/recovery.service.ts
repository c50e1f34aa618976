import { AppError } from '@sanctum/kernel';
import type { AuthData } from '../store/auth-data.js';
import { isUniqueViolation } from '../store/db-errors.js';
import type { ChallengeService } from './challenge.service.js';
import type { Clock } from './clock.js';
import { DEFAULT_DEVICE_NAME, enrolDevice, requireIdentityKey } from './enrolment.js';
import type { RecoverySecretHasher } from './recovery-secret.js';
import type { SessionService } from './session.service.js';
import { signedMessages } from './signed-messages.js';
import type { TokenSet } from './token-set.js';

export interface RecoveryRequest {
  readonly accountId: string;
  readonly recoverySecret: string;
  /** The new device: its key, a nonce from the key challenge, and its signature. */
  readonly identityKey: string;
  readonly deviceName?: string | undefined;
  readonly nonce: string;
  readonly signature: string;
  /** Replaces the spent secret; without it the account has no recovery secret afterwards. */
  readonly newRecoverySecret?: string | undefined;
}

/**
 * Account recovery with the secret registered at creation: enrols a new
 * device and removes every other device (and so every session). A recovery
 * secret works once: it is replaced by `newRecoverySecret` or cleared.
 */
export class RecoveryService {
  constructor(
    private readonly data: AuthData,
    private readonly challenges: ChallengeService,
    private readonly sessions: SessionService,
    private readonly hasher: RecoverySecretHasher,
    private readonly clock: Clock,
    private readonly maxDevices: number,
  ) {}

  async recover(request: RecoveryRequest): Promise<TokenSet> {
    requireIdentityKey(request.identityKey);
    const proven = await this.challenges.check({
      nonce: request.nonce,
      kind: 'key',
      subject: request.identityKey,
      identityKey: request.identityKey,
      message: signedMessages.recover(request.nonce, request.accountId, request.identityKey),
      signature: request.signature,
    });
    if (proven === undefined) throw new AppError('AUTH_PROOF_FAILED', 'The signed challenge is missing, expired, already used or wrongly signed', 401);
    // Unknown account and wrong secret take the same scrypt work and get the same answer.
    const account = await this.data.stores.accounts.find(request.accountId);
    const storedHash = account?.recoveryHash ?? null;
    if (!(await this.hasher.verify(storedHash, request.recoverySecret))) throw recoveryFailed();
    const newHash = request.newRecoverySecret === undefined ? null : await this.hasher.hash(request.newRecoverySecret);
    try {
      const opened = await this.data.transaction(async (tx) => {
        if (!(await this.challenges.spend(tx, proven))) throw recoveryFailed();
        const now = this.clock.nowMs();
        if (!(await tx.accounts.lockForDeviceChange(request.accountId, now))) throw recoveryFailed();
        // Under the lock: a concurrent recovery that already spent this secret wins.
        if ((await tx.accounts.find(request.accountId))?.recoveryHash !== storedHash) throw recoveryFailed();
        for (const device of await tx.devices.listByAccount(request.accountId)) {
          await tx.devices.delete(request.accountId, device.id);
          await tx.events.append({ type: 'device.removed', accountId: request.accountId, deviceId: device.id, occurredAt: now });
        }
        await tx.accounts.setRecoveryHash(request.accountId, newHash);
        const deviceId = await enrolDevice(
          tx,
          { accountId: request.accountId, identityKey: request.identityKey, name: request.deviceName ?? DEFAULT_DEVICE_NAME },
          { maxDevices: this.maxDevices, nowMs: now },
        );
        return this.sessions.open(tx, { accountId: request.accountId, deviceId });
      });
      return await this.sessions.tokens(opened);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('AUTH_IDENTITY_KEY_IN_USE', 'This identity key already belongs to a device', 409);
      throw error;
    }
  }
}

function recoveryFailed(): AppError {
  return new AppError('AUTH_RECOVERY_FAILED', 'Recovery failed: unknown account or wrong recovery secret', 401);
}
