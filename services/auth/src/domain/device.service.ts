import { AppError } from '@sanctum/kernel';
import type { AuthData } from '../store/auth-data.js';
import type { DeviceRecord } from '../store/device.store.js';
import type { Clock } from './clock.js';

/** An account's devices: list, rename, remove. */
export class DeviceService {
  constructor(
    private readonly data: AuthData,
    private readonly clock: Clock,
  ) {}

  async list(accountId: string): Promise<DeviceRecord[]> {
    return this.data.stores.devices.listByAccount(accountId);
  }

  async rename(accountId: string, deviceId: string, name: string): Promise<DeviceRecord> {
    const device = await this.data.stores.devices.rename(accountId, deviceId, name);
    if (device === undefined) throw deviceNotFound();
    return device;
  }

  /**
   * Removes a device (the calling one included) and, with it, its sessions.
   * The last device cannot be removed: delete the account instead.
   */
  async remove(accountId: string, deviceId: string): Promise<void> {
    await this.data.transaction(async (tx) => {
      const now = this.clock.nowMs();
      await tx.accounts.lockForDeviceChange(accountId, now);
      const device = await tx.devices.find(deviceId);
      if (device?.accountId !== accountId) throw deviceNotFound();
      if ((await tx.devices.countByAccount(accountId)) <= 1) {
        throw new AppError('AUTH_LAST_DEVICE', 'This is the account’s only device; delete the account instead', 409);
      }
      await tx.devices.delete(accountId, deviceId);
      await tx.events.append({ type: 'device.removed', accountId, deviceId, occurredAt: now });
    });
  }
}

function deviceNotFound(): AppError {
  return new AppError('AUTH_DEVICE_NOT_FOUND', 'No such device on this account', 404);
}
