import { randomUUID } from 'node:crypto';
import { AppError } from '@sanctum/kernel';
import type { Stores } from '../store/auth-data.js';
import { parseIdentityKey } from './ed25519.js';

/** The default name of a device whose owner gave none. */
export const DEFAULT_DEVICE_NAME = 'Device';

/** Refuses a key that is not a usable Ed25519 public key (400). */
export function requireIdentityKey(identityKey: string): void {
  if (parseIdentityKey(identityKey) === null) {
    throw new AppError('AUTH_IDENTITY_KEY_INVALID', 'identityKey is not a valid Ed25519 public key (base64url, 32 bytes)', 400);
  }
}

export interface NewDevice {
  readonly accountId: string;
  readonly identityKey: string;
  readonly name: string;
  readonly approvedBy?: string | undefined;
  readonly approvalSignature?: string | undefined;
}

/**
 * Adds a device inside the caller's transaction, with its `device.added`
 * event, after re-checking the cap and the key under the account's lock.
 * The caller has locked the account (`lockForDeviceChange`).
 */
export async function enrolDevice(tx: Stores, device: NewDevice, limits: { maxDevices: number; nowMs: number }): Promise<string> {
  if ((await tx.devices.countByAccount(device.accountId)) >= limits.maxDevices) {
    throw new AppError('AUTH_DEVICE_LIMIT', `An account can have at most ${limits.maxDevices} devices; remove one first`, 409, {
      maxDevices: limits.maxDevices,
    });
  }
  if (await tx.devices.identityKeyInUse(device.identityKey)) {
    throw new AppError('AUTH_IDENTITY_KEY_IN_USE', 'This identity key already belongs to a device', 409);
  }
  const id = randomUUID();
  await tx.devices.insert({
    id,
    accountId: device.accountId,
    name: device.name,
    identityKey: device.identityKey,
    createdAt: limits.nowMs,
    lastSeenAt: limits.nowMs,
    approvedBy: device.approvedBy ?? null,
    approvalSignature: device.approvalSignature ?? null,
  });
  await tx.events.append({ type: 'device.added', accountId: device.accountId, deviceId: id, identityKey: device.identityKey, occurredAt: limits.nowMs });
  return id;
}
