import { AppError } from '@sanctum/kernel';
import type { ProfileRecord, ProfileStore } from '../store/profile.store.js';
import { decodeBase64Url } from './binary.codec.js';

export interface ProfileLimits {
  displayNameMaxLength: number;
  blobMaxBytes: number;
}

export interface ProfileInput {
  displayName: string;
  /** base64url of the client-encrypted profile; absent or null clears it. */
  blob?: string | null | undefined;
}

/** Display names (plain text, length-limited) and opaque encrypted profile blobs. */
export class ProfileService {
  constructor(
    private readonly store: ProfileStore,
    private readonly limits: ProfileLimits,
    private readonly now: () => number,
  ) {}

  async put(accountId: string, input: ProfileInput): Promise<ProfileRecord> {
    const displayName = input.displayName.normalize('NFC').trim();
    const length = codePointLength(displayName);
    if (length === 0 || length > this.limits.displayNameMaxLength) {
      throw new AppError('DIR_DISPLAY_NAME_INVALID', `A display name has 1 to ${this.limits.displayNameMaxLength} characters`, 400);
    }
    if (/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(displayName)) {
      throw new AppError('DIR_DISPLAY_NAME_INVALID', 'A display name has no control characters or line breaks', 400);
    }
    let blob: Buffer | null = null;
    if (input.blob !== undefined && input.blob !== null) {
      blob = decodeBase64Url(input.blob);
      if (blob === null) throw new AppError('DIR_PROFILE_BLOB_INVALID', 'blob is not base64url', 400);
      if (blob.length > this.limits.blobMaxBytes) {
        throw new AppError('DIR_PROFILE_TOO_LARGE', `The profile blob is larger than ${this.limits.blobMaxBytes} bytes`, 413, {
          maxBytes: this.limits.blobMaxBytes,
        });
      }
    }
    const record: ProfileRecord = { accountId, displayName, blob, updatedAt: this.now() };
    await this.store.put(record);
    return record;
  }

  async get(accountId: string): Promise<ProfileRecord> {
    const profile = await this.store.get(accountId);
    if (profile === undefined) throw new AppError('DIR_PROFILE_NOT_FOUND', 'This account has no profile', 404);
    return profile;
  }
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _codePoint of text) count++;
  return count;
}
