import { loadConfig, serviceConfigProperties, tokenVerificationConfigProperties } from '@sanctum/kernel';
import Type from 'typebox';
import type { Static } from 'typebox';

/** Every setting of the Directory service, read once at start (see docs/directory.md). */
export const DirectoryConfigSchema = Type.Object({
  ...serviceConfigProperties(4002),
  ...tokenVerificationConfigProperties(),

  /** Handle lookups per requesting account per window (anti-enumeration). */
  LOOKUP_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 100 }),
  LOOKUP_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /**
   * How long a handle lookup answer is reused from memory. Changes made through any instance reach the
   * others over the bus at once; this bounds how long a lost bus message can leave an answer stale. 0 turns the cache off.
   */
  HANDLE_CACHE_TTL_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 2000 }),
  HANDLE_CACHE_MAX_ENTRIES: Type.Integer({ minimum: 1, default: 100_000 }),
  /** Bundle fetches per (requesting account, target account) per window (protects one-time prekeys from draining). */
  BUNDLE_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 60 }),
  BUNDLE_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 100, default: 60_000 }),

  /** Most one-time prekeys (classic or post-quantum, each) in one upload. */
  PREKEY_BATCH_MAX: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  /** Most one-time prekeys (classic or post-quantum, each) stored per device. */
  PREKEY_MAX_PER_DEVICE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
  /** Largest opaque encrypted profile blob, in bytes after base64url decoding. */
  PROFILE_BLOB_MAX_BYTES: Type.Integer({ minimum: 0, maximum: 262_144, default: 8192 }),
  /** Longest display name, in Unicode code points. */
  DISPLAY_NAME_MAX_LENGTH: Type.Integer({ minimum: 1, maximum: 256, default: 64 }),

  /** Follow Auth's event feed to keep the device replica in step (off only for isolated runs). */
  AUTH_EVENTS_FOLLOW: Type.Boolean({ default: true }),
  /** Long-poll wait per feed request. */
  AUTH_EVENTS_WAIT_MS: Type.Integer({ minimum: 0, maximum: 30_000, default: 20_000 }),
  AUTH_EVENTS_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }),
  /** Pause after a failed feed request. */
  AUTH_EVENTS_RETRY_MS: Type.Integer({ minimum: 10, default: 1000 }),
});
export type DirectoryConfig = Static<typeof DirectoryConfigSchema>;

export function loadDirectoryConfig(env: Record<string, string | undefined>): Readonly<DirectoryConfig> {
  return loadConfig(DirectoryConfigSchema, env);
}
