// Everything a device must keep between runs, as one JSON document. It holds
// private keys: store it where only the device's owner can read it.
import type { IdentityStoreJson, PrekeyStoreJson, SessionStoreJson } from '../crypto/memory.stores.js';

export interface DeviceStateJson {
  readonly version: 1;
  readonly accountId: string;
  readonly deviceId: string;
  /** The Ed25519 identity secret key (base64url): signs in to Auth and signs prekeys. */
  readonly identitySecret: string;
  readonly handle: string | null;
  readonly identityStore: IdentityStoreJson;
  readonly prekeys: PrekeyStoreJson;
  readonly sessions: SessionStoreJson;
  /** Handles this device has verified with the Directory, by account id. */
  readonly contacts: Record<string, string>;
}

/** Checks the outer shape of a stored state; the stores check their own parts when loaded. */
export function parseDeviceState(value: unknown): DeviceStateJson {
  const state = value as Partial<DeviceStateJson> | null;
  if (
    state?.version !== 1 ||
    typeof state.accountId !== 'string' ||
    typeof state.deviceId !== 'string' ||
    typeof state.identitySecret !== 'string' ||
    typeof state.identityStore !== 'object' ||
    typeof state.prekeys !== 'object' ||
    typeof state.sessions !== 'object'
  ) {
    throw new Error('Not a Sanctum device state (version 1)');
  }
  return { ...state, handle: state.handle ?? null, contacts: state.contacts ?? {} } as DeviceStateJson;
}
