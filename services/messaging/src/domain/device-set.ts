import type { RecipientDevice } from '../store/message.store.js';

export interface DeviceMismatch {
  /** Active devices of a member (the sender's other devices included) that the send left out. */
  readonly missing: string[];
  /** Ids that belong to no member, or the sending device itself. */
  readonly extra: string[];
  /** Devices of a member that have been removed since the client last looked. */
  readonly stale: string[];
}

/**
 * Compares the devices a send addresses with the devices it must address: every
 * active device of every member, except the device that sends. Undefined when
 * they agree.
 */
export function compareDevices(
  known: readonly RecipientDevice[],
  senderDeviceId: string,
  addressed: readonly string[],
): DeviceMismatch | undefined {
  const byId = new Map(known.map((device) => [device.device_id, device]));
  const addressedSet = new Set(addressed);
  const missing: string[] = [];
  for (const device of known) {
    if (device.removed_at === null && device.device_id !== senderDeviceId && !addressedSet.has(device.device_id)) {
      missing.push(device.device_id);
    }
  }
  const extra: string[] = [];
  const stale: string[] = [];
  for (const deviceId of addressed) {
    const device = byId.get(deviceId);
    if (device === undefined || deviceId === senderDeviceId) extra.push(deviceId);
    else if (device.removed_at !== null) stale.push(deviceId);
  }
  if (missing.length === 0 && extra.length === 0 && stale.length === 0) return undefined;
  return { missing, extra, stale };
}
