// Safety numbers: 60 digits two people compare (in person or over another
// channel) to rule out a man in the middle. The construction is Signal's
// numeric fingerprint: for each side, SHA-512 iterated 5200 times over its
// identity keys and a stable identifier, 30 digits per side, the two halves in
// ascending order so both ends display the same number.
import { compareBytes, concatBytes, sha512, utf8 } from './crypto.primitives.js';

export const SAFETY_NUMBER_ITERATIONS = 5200;
/** The version field hashed in (Signal's fingerprint version 0). */
const FINGERPRINT_VERSION = Uint8Array.of(0x00, 0x00);

export interface SafetyNumberParty {
  /** A stable identifier of the party: in Sanctum, the account id. */
  stableId: string;
  /** The identity keys of all the party's devices (any order; they are sorted). */
  identityKeys: Uint8Array[];
}

/** The 30-digit half of one party: six 5-digit groups from the first 30 bytes of the iterated hash. */
export function fingerprintDigits(party: SafetyNumberParty, iterations = SAFETY_NUMBER_ITERATIONS): string {
  const keys = concatBytes(...[...party.identityKeys].sort(compareBytes));
  let hash = concatBytes(FINGERPRINT_VERSION, keys, utf8(party.stableId));
  for (let i = 0; i < iterations; i++) hash = sha512(concatBytes(hash, keys));
  let digits = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + (hash[chunk * 5 + i] ?? 0);
    digits += String(value % 100_000).padStart(5, '0');
  }
  return digits;
}

/**
 * The safety number of two parties (60 digits), the same on both sides.
 * Covering every device key of each account, it changes whenever either
 * account adds or replaces a device.
 *
 * @example
 * const number = safetyNumber({ stableId: me, identityKeys: myDeviceKeys }, { stableId: them, identityKeys: theirDeviceKeys });
 * formatSafetyNumber(number); // "30035 44776 92869 ..."
 */
export function safetyNumber(local: SafetyNumberParty, remote: SafetyNumberParty, iterations = SAFETY_NUMBER_ITERATIONS): string {
  const a = fingerprintDigits(local, iterations);
  const b = fingerprintDigits(remote, iterations);
  return a <= b ? a + b : b + a;
}

/** Twelve groups of five digits, as Signal displays them. */
export function formatSafetyNumber(digits: string): string {
  return (digits.match(/.{1,5}/g) ?? []).join(' ');
}
