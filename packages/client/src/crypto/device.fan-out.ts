// One message, one ciphertext per recipient device: the shape a Messaging send
// takes (`envelopes: [{ deviceId, ciphertext }]`).
import type { PrekeyBundle } from './bundle.types.js';
import { E2eeError } from './e2ee.errors.js';
import type { SessionManager } from './session.manager.js';
import type { DeviceAddress } from './store.types.js';

export interface RecipientDevice extends DeviceAddress {
  /** Needed only for a device without a session; ignored otherwise. */
  bundle?: PrekeyBundle | undefined;
}

export interface DeviceEnvelope {
  deviceId: string;
  ciphertext: string;
}

export interface FanOutResult {
  /** Ready for the Messaging send body. */
  envelopes: DeviceEnvelope[];
  /** Devices with no session and no bundle: fetch their bundles and call again for them. */
  missingBundles: DeviceAddress[];
  /** Devices whose bundle was refused (bad signature, changed identity key, ...), with the reason. */
  failed: (DeviceAddress & { error: E2eeError })[];
}

/** The Directory's bundle answer (`POST /v1/accounts/:accountId/bundle`). */
export interface BundleResponse {
  accountId: string;
  devices: (PrekeyBundle & { deviceId: string })[];
}

/** Recipient entries, with bundles, from one or more Directory bundle answers. */
export function recipientsFromBundles(...responses: BundleResponse[]): RecipientDevice[] {
  return responses.flatMap((response) => response.devices.map((bundle) => ({ accountId: response.accountId, deviceId: bundle.deviceId, bundle })));
}

/**
 * Encrypts `plaintext` for every listed device (the recipients' devices and
 * the sender's own other devices; never the sending device itself, which
 * `exclude` drops if the list holds it). Devices are handled one by one in
 * list order; a device that cannot be encrypted for is reported, not fatal.
 *
 * @example
 * const { envelopes, missingBundles } = await encryptForDevices(sessions, body, devices, { exclude: me });
 * if (missingBundles.length === 0) await messaging.send({ clientMessageId, envelopes });
 */
export async function encryptForDevices(
  manager: SessionManager,
  plaintext: Uint8Array,
  devices: RecipientDevice[],
  options: { exclude?: DeviceAddress | undefined } = {},
): Promise<FanOutResult> {
  const result: FanOutResult = { envelopes: [], missingBundles: [], failed: [] };
  for (const device of devices) {
    const address = { accountId: device.accountId, deviceId: device.deviceId };
    if (options.exclude?.accountId === address.accountId && options.exclude.deviceId === address.deviceId) continue;
    if (device.bundle === undefined && !(await manager.hasSession(address))) {
      result.missingBundles.push(address);
      continue;
    }
    try {
      result.envelopes.push({ deviceId: device.deviceId, ciphertext: await manager.encryptFor(address, plaintext, { bundle: device.bundle }) });
    } catch (error) {
      if (!(error instanceof E2eeError)) throw error;
      result.failed.push({ ...address, error });
    }
  }
  return result;
}
