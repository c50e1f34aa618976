import { AppError } from '@sanctum/kernel';
import type { AuthData } from '../store/auth-data.js';
import { TransactionBatcher } from '../store/transaction-batcher.js';
import type { ChallengeService, IssuedChallenge, PassedChallenge } from './challenge.service.js';
import type { SessionService } from './session.service.js';
import { signedMessages } from './signed-messages.js';
import type { OpenedSession, TokenSet } from './token-set.js';

export interface SignInRequest {
  readonly deviceId: string;
  readonly nonce: string;
  readonly signature: string;
}

/**
 * Challenge–response sign-in: the device asks for a nonce, signs it with its
 * identity key, and gets a new session. Every failure (unknown device, wrong,
 * expired or reused nonce, bad signature) is the same answer after the same
 * work, so the endpoint tells nobody which devices exist.
 */
export class SignInService {
  /** Sign-ins are the hot write path: concurrent ones share a transaction and its commit. */
  private readonly writes: TransactionBatcher<{ passed: PassedChallenge; accountId: string; deviceId: string }, OpenedSession>;

  constructor(
    private readonly data: AuthData,
    private readonly challenges: ChallengeService,
    private readonly sessions: SessionService,
  ) {
    this.writes = new TransactionBatcher(data, async (tx, signIn) => {
      // The single winner of a replay race is whoever spends the nonce.
      if (!(await this.challenges.spend(tx, signIn.passed))) throw signInFailed();
      return this.sessions.open(tx, { accountId: signIn.accountId, deviceId: signIn.deviceId });
    });
  }

  challenge(deviceId: string): IssuedChallenge {
    return this.challenges.issue('device', deviceId);
  }

  async signIn(request: SignInRequest): Promise<TokenSet> {
    const device = await this.data.stores.devices.find(request.deviceId);
    const proven = await this.challenges.check({
      nonce: request.nonce,
      kind: 'device',
      subject: request.deviceId,
      identityKey: device?.identityKey ?? null,
      message: signedMessages.signIn(request.nonce, request.deviceId),
      signature: request.signature,
    });
    if (proven === undefined || device === undefined) throw signInFailed();
    const opened = await this.writes.submit({ passed: proven, accountId: device.accountId, deviceId: device.id });
    return this.sessions.tokens(opened);
  }
}

function signInFailed(): AppError {
  return new AppError('AUTH_SIGN_IN_FAILED', 'Sign-in failed: the challenge is unknown, expired or used, or the signature does not match', 401);
}
