import { AppError } from '@sanctum/kernel';
import type { BundleStore, TakenBundles } from '../store/bundle.store.js';

/** Hands out prekey bundles so another device can start an encrypted session. */
export class BundleService {
  constructor(private readonly store: BundleStore) {}

  /** One bundle per active device of the account that has keys. */
  async forAccount(accountId: string): Promise<TakenBundles> {
    const taken = await this.store.take(accountId);
    if (taken.bundles.length === 0 && taken.devicesWithoutKeys.length === 0) {
      throw new AppError('DIR_ACCOUNT_NOT_FOUND', 'The account has no active device', 404);
    }
    if (taken.bundles.length === 0) throw new AppError('DIR_KEYS_NOT_FOUND', 'No device of the account has uploaded keys yet', 404);
    return taken;
  }

  /** The bundle of one active device of the account. */
  async forDevice(accountId: string, deviceId: string): Promise<TakenBundles> {
    const taken = await this.store.take(accountId, deviceId);
    if (taken.devicesWithoutKeys.length > 0) throw new AppError('DIR_KEYS_NOT_FOUND', 'The device has not uploaded keys yet', 404);
    if (taken.bundles.length === 0) throw new AppError('DIR_DEVICE_NOT_FOUND', 'The account has no such active device', 404);
    return taken;
  }
}
